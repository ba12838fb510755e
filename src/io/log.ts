import { Chalk, type ChalkInstance } from "chalk";
import { Secrets } from "../secrets/secrets.js";
import { cleanUrlsInText, urlVariables } from "../secrets/url.js";
import { escapeControl, jsonLine } from "./one-line.js";

/** A message longer than this is cut (with its length named): a safety net, not a format. */
const MAX_MESSAGE_CHARS = 16_384;

/**
 * Where output goes. Data (payloads, JSON results) goes to `stdout`, the log
 * to `stderr`; commands receive this sink instead of touching `process`, so
 * tests can run them in-process and read both streams.
 */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is an interactive terminal (colour, live updates). */
  stderrIsTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * The process's streams. A stream the reader closed (`batchinf schema |
 * head -1`) is written to no more; `onClosed` is told (cli.ts lets the
 * command carry on to its own end).
 */
export function processIo(onClosed: (stream: "stdout" | "stderr") => void = () => {}): Io {
  const closed = { stdout: false, stderr: false };
  const watch = (name: "stdout" | "stderr") => {
    process[name].on("error", (error: NodeJS.ErrnoException) => {
      if (!isClosedStreamError(error)) throw error;
      closed[name] = true;
      onClosed(name);
    });
  };
  watch("stdout");
  watch("stderr");
  return {
    stdout: (text) => {
      if (!closed.stdout && !process.stdout.destroyed) process.stdout.write(text);
    },
    stderr: (text) => {
      if (!closed.stderr && !process.stderr.destroyed) process.stderr.write(text);
    },
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
  };
}

/** The reader went away: a pipe closed (EPIPE), a stream already ended or destroyed. */
export function isClosedStreamError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return (
    code === "EPIPE" ||
    code === "ECONNRESET" ||
    code === "ERR_STREAM_DESTROYED" ||
    code === "ERR_STREAM_WRITE_AFTER_END"
  );
}

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "text" | "json";

export interface LogOptions {
  format?: LogFormat;
  /** `--no-color` sets false; undefined means decide from the environment. */
  color?: boolean;
  verbose?: boolean;
  /** --show-secrets: the user asked to see SecureString values. */
  revealSecrets?: boolean;
  /** The command line: the credentials of URLs in it are masked from the first line on. */
  argv?: readonly string[];
}

/**
 * Colour only where a person is watching: on a TTY that can show it, or when
 * FORCE_COLOR asks for it; NO_COLOR and --no-color always win. A terminal
 * that says `TERM=dumb` (Emacs' shell, some CI consoles) shows escape codes
 * as text. Jenkins logs are not TTYs, so they stay plain unless the
 * AnsiColor plugin user sets FORCE_COLOR.
 */
export function colorLevel(io: Io, requested: boolean | undefined): 0 | 1 | 2 | 3 {
  if (requested === false) return 0;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== "") return 0;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === "0" || force === "false") return 0;
    if (force === "2") return 2;
    if (force === "3") return 3;
    return 1;
  }
  if (requested === true) return 1;
  return io.stderrIsTTY && io.env.TERM !== "dumb" ? 1 : 0;
}

/**
 * The build log. One record is one line: every message is masked (the
 * secrets boundary: URL credentials dropped from every URL, secrets masked),
 * then escaped (control characters shown as `\n`, `\u001b`), and in JSON
 * format the fields are masked as values before the record is serialised.
 * The credentials in the command line and in the environment's URL
 * variables are known from the start, so they are masked even where they
 * turn up without their URL. Debug lines (--verbose) lose every URL's
 * fragment and credential-like parameters too, since they echo URLs.
 */
export class Logger {
  readonly color: ChalkInstance;
  /** What this command must never print; every line passes through it. */
  readonly secrets: Secrets;
  private readonly format: LogFormat;
  private readonly verbose: boolean;

  constructor(
    private readonly io: Io,
    options: LogOptions = {},
  ) {
    this.format = options.format ?? "text";
    this.verbose = options.verbose ?? false;
    this.secrets = new Secrets(options.revealSecrets ?? false);
    this.secrets.addUrlCredentials([...urlVariables(io.env), ...(options.argv ?? [])]);
    this.color = new Chalk({ level: this.format === "json" ? 0 : colorLevel(io, options.color) });
  }

  get interactive(): boolean {
    return this.io.stderrIsTTY && this.io.env.TERM !== "dumb" && this.format === "text";
  }

  /** JSON lines: structured fields carry what text mode shows as extra lines. */
  get json(): boolean {
    return this.format === "json";
  }

  /** Mask this value (a SecureString's) wherever it would appear from now on. */
  addSecret(value: string): void {
    this.secrets.add(value);
  }

  /** Free text as it may be printed: secrets masked (no escaping: the writer escapes). */
  redact(text: string): string {
    return this.secrets.maskText(text);
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    if (this.verbose) this.write("debug", cleanUrlsInText(message), fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.write("info", message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.write("warn", message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.write("error", message, fields);
  }

  /**
   * A line that belongs to the record before it (an error's details, a
   * stack frame): in text format printed as is (masked, escaped); in JSON
   * format a record of its own, so every line still parses.
   */
  line(text: string, level: LogLevel = "info"): void {
    if (this.format === "json") this.write(level, text);
    else this.io.stderr(`${this.render(text)}\n`);
  }

  /** How `cli.ts` reports what ended the command: the message, its details, the stack with --verbose. */
  exitReport(report: { code: number; message: string; details: readonly string[]; stack?: string }): void {
    if (this.format === "json") {
      this.error(report.message, {
        exitCode: report.code,
        details: report.details,
        ...(report.stack ? { stack: report.stack } : {}),
      });
      return;
    }
    this.error(report.message);
    for (const detail of report.details) this.line(`  ${detail}`);
    for (const frame of report.stack?.split("\n") ?? []) this.line(frame);
  }

  private render(text: string): string {
    // Mask before cutting: a cut through a secret would leave its first half unmasked.
    return escapeControl(clip(this.secrets.maskText(text)));
  }

  private write(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (this.format === "json") {
      const record = this.secrets.maskValue({ time: new Date().toISOString(), level, message, ...fields });
      this.io.stderr(`${jsonLine({ ...record, message: clip(record.message) })}\n`);
      return;
    }
    const c = this.color;
    const prefix =
      level === "error"
        ? c.red.bold("error: ")
        : level === "warn"
          ? c.yellow("warning: ")
          : level === "debug"
            ? c.dim("debug: ")
            : "";
    this.io.stderr(`${prefix}${this.render(message)}\n`);
  }
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE_CHARS
    ? `${text.slice(0, MAX_MESSAGE_CHARS)}… (${text.length} characters in all)`
    : text;
}

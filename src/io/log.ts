import { Chalk, type ChalkInstance } from "chalk";
import { Secrets } from "../secrets/secrets.js";

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

export function processIo(): Io {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
  };
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
}

/**
 * Colour only where a person is watching: on a TTY or when FORCE_COLOR asks
 * for it; NO_COLOR and --no-color always win. Jenkins logs are not TTYs, so
 * they stay plain unless the AnsiColor plugin user sets FORCE_COLOR.
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
  return io.stderrIsTTY ? 1 : 0;
}

/**
 * The build log. Every line passes through secret redaction, so a secret that
 * slips into a message (an error echoing a value, say) is still masked.
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
    this.color = new Chalk({ level: this.format === "json" ? 0 : colorLevel(io, options.color) });
  }

  get interactive(): boolean {
    return this.io.stderrIsTTY && this.format === "text";
  }

  /** JSON lines: structured fields carry what text mode shows as extra lines. */
  get json(): boolean {
    return this.format === "json";
  }

  /** Mask this value wherever it would appear in the log from now on. */
  addSecret(value: string): void {
    this.secrets.add(value);
  }

  redact(text: string): string {
    return this.secrets.maskText(text);
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    if (this.verbose) this.write("debug", message, fields);
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

  private write(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (this.format === "json") {
      const record = { time: new Date().toISOString(), level, message, ...fields };
      this.io.stderr(`${this.redact(JSON.stringify(record))}\n`);
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
    this.io.stderr(`${this.redact(prefix + message)}\n`);
  }
}

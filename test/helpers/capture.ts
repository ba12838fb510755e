import type { CommandContext, SignalSource } from "../../src/commands/context.js";
import { type Io, Logger, type LogOptions } from "../../src/io/log.js";

export interface CaptureOptions {
  /** The environment the command sees (default: empty, so nothing leaks in from the test runner). */
  env?: Record<string, string | undefined>;
  /** The clock, in milliseconds since the epoch (default: 2023-10-14T12:00:00Z, the seed's date). */
  now?: number | (() => number);
  /** Whether stderr claims to be a terminal (default false, as in Jenkins). */
  stderrIsTTY?: boolean;
  /** Options for the real Logger (format, color, verbose). */
  log?: LogOptions;
  signals?: SignalSource;
}

export interface Captured {
  ctx: CommandContext;
  io: Io;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far (the log). */
  stderr(): string;
  /** Each write to stderr on its own: one log record is one write. */
  stderrWrites(): readonly string[];
}

export const DEFAULT_NOW = Date.UTC(2023, 9, 14, 12, 0, 0);

/**
 * A CommandContext whose Io writes into memory, with the real Logger on top,
 * so a command can run in-process and a test can read both streams.
 */
export function captureContext(options: CaptureOptions = {}): Captured {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    stdout: (text) => {
      out.push(text);
    },
    stderr: (text) => {
      err.push(text);
    },
    stderrIsTTY: options.stderrIsTTY ?? false,
    env: { ...(options.env ?? {}) },
  };
  const clock = options.now ?? DEFAULT_NOW;
  const now = typeof clock === "function" ? clock : () => clock;
  const ctx: CommandContext = {
    io,
    log: new Logger(io, options.log),
    now,
    ...(options.signals ? { signals: options.signals } : {}),
  };
  return { ctx, io, stdout: () => out.join(""), stderr: () => err.join(""), stderrWrites: () => err };
}

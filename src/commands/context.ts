import type { Io, Logger } from "../io/log.js";

/** What every command gets instead of reaching for `process`. */
export interface CommandContext {
  io: Io;
  log: Logger;
  now: () => number;
  /** Waits between polls; tests inject one that advances a fake clock instead of wall time. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Resolves when SIGINT/SIGTERM arrives; commands that wait race against it. */
  signals?: SignalSource;
}

export interface SignalSource {
  /** Register a handler; returns a function that unregisters it. */
  onSignal(handler: (signal: "SIGINT" | "SIGTERM") => void): () => void;
}

import type { AwsSettings } from "../aws/clients.js";
import { flagOf } from "../cli-options.js";
import type { Io, Logger } from "../io/log.js";

/** What every command gets instead of reaching for `process`. */
export interface CommandContext {
  io: Io;
  log: Logger;
  now: () => number;
  /**
   * How messages name an option: `BATCHINF_DATE` when its value came from
   * that variable, else the flag (`--date`). Keyed by the option's camelCase name.
   */
  optionLabel?: (option: string) => string;
  /** Waits between polls; tests inject one that advances a fake clock instead of wall time. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Settings for every AWS client the command builds (an injected retry strategy). */
  aws?: Pick<AwsSettings, "retryStrategy">;
  /** Resolves when SIGINT/SIGTERM arrives; commands that wait race against it. */
  signals?: SignalSource;
}

export interface SignalSource {
  /** Register a handler; returns a function that unregisters it. */
  onSignal(handler: (signal: "SIGINT" | "SIGTERM") => void): () => void;
}

/** How this command's messages name an option: its variable when it came from one, else its flag. */
export function labelsOf(ctx: CommandContext): (option: string) => string {
  return ctx.optionLabel ?? flagOf;
}

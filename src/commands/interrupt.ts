import { setMaxListeners } from "node:events";
import type { CommandContext } from "./context.js";

export interface Interrupt {
  /** Aborted with "SIGINT" or "SIGTERM" as its reason when the signal arrives. */
  readonly signal: AbortSignal;
  /** Stop listening for signals. */
  dispose(): void;
}

/**
 * SIGINT/SIGTERM as an abort signal, for a command's every AWS call. While
 * it listens, the signal no longer ends the process by itself: the command
 * ends with 130/143 once its calls are cut short.
 */
export function listenForInterrupt(ctx: Pick<CommandContext, "signals">): Interrupt {
  const controller = new AbortController();
  // Every in-flight call and follower of every date listens for the one interrupt: a backfill of
  // 30 dates is not a leak, and Node's warning about it would read like a failure in the build log.
  setMaxListeners(1000, controller.signal);
  const dispose =
    ctx.signals?.onSignal((signal) => {
      if (!controller.signal.aborted) controller.abort(signal);
    }) ?? (() => undefined);
  return { signal: controller.signal, dispose };
}

import { MAX_TIMER_MS } from "../duration.js";
import { DEADLINE } from "../errors.js";

export interface Deadline {
  /** Aborts (with `reason`) when the deadline comes. */
  readonly signal: AbortSignal;
  /** Stop the timer; the signal never aborts after this unless it already has. */
  dispose(): void;
}

/**
 * A signal that aborts at `deadline`: a wall-clock timer for what is left of
 * it on the injected clock now. In production the two clocks agree; on a
 * virtual clock that jumps ahead (tests), the loops that check `now()`
 * themselves see the deadline first, and this timer is only the bound on a
 * call in flight that never answers. Its timer never keeps the process
 * alive. An infinite deadline gives a signal that never aborts.
 */
export function deadlineSignal(deadline: number, now: () => number, reason: unknown = DEADLINE): Deadline {
  const controller = new AbortController();
  if (!Number.isFinite(deadline)) return { signal: controller.signal, dispose: () => undefined };
  const left = Math.max(0, deadline - now());
  if (left === 0) controller.abort(reason);
  // Node timers overflow past 2^31-1 ms; a longer deadline is as good as that.
  const timer =
    left > 0 ? setTimeout(() => controller.abort(reason), Math.min(MAX_TIMER_MS, left)) : undefined;
  timer?.unref?.();
  return { signal: controller.signal, dispose: () => clearTimeout(timer) };
}

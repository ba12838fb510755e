/**
 * The order and the bound of a backfill: which date's execution is followed
 * next, and when. It knows nothing of Step Functions; `follow` does the work
 * for one date (start or attach, follow to the end) and says whether it went
 * well.
 *
 * - Dates whose execution is already RUNNING (a rerun of the same build)
 *   come first and are followed at once: they run whether or not we watch,
 *   so they count against `concurrency` from the start, even beyond it.
 * - The others follow, oldest first, each once fewer than `concurrency` are
 *   being followed. A slot is held from the start until the end is noticed,
 *   so no more than `concurrency` of this backfill's executions are ever
 *   RUNNING at once (one that ended but is not yet noticed still counts:
 *   the bound errs on the safe side).
 * - After a signal, after the first failure with `failFast`, or once the
 *   backfill's one --timeout has run out, no new date is begun; those already begun are seen to their end (a signal makes
 *   each follower stop or detach its own execution).
 */
export interface ScheduledDate {
  date: string;
  /** Found RUNNING (its name looked up) before anything started. */
  running: boolean;
}

export interface ScheduleOptions {
  concurrency: number;
  failFast: boolean;
  interrupt: AbortSignal;
  /** The backfill's one --timeout ran out: no new date is begun. */
  expired?: () => boolean;
}

export interface Schedule<T extends ScheduledDate> {
  /** In the order they were begun. */
  begun: T[];
  /** Never begun, and why. */
  notBegun: T[];
  stoppedBy?: "interrupt" | "fail-fast" | "timeout";
}

export async function scheduleDates<T extends ScheduledDate>(
  dates: readonly T[],
  options: ScheduleOptions,
  follow: (item: T) => Promise<boolean>,
): Promise<Schedule<T>> {
  const order = [...dates.filter((item) => item.running), ...dates.filter((item) => !item.running)];
  const begun: T[] = [];
  const following = new Set<Promise<void>>();
  let failed = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const halted = (): "interrupt" | "fail-fast" | "timeout" | undefined =>
    options.interrupt.aborted
      ? "interrupt"
      : options.failFast && failed
        ? "fail-fast"
        : options.expired?.()
          ? "timeout"
          : undefined;
  options.interrupt.addEventListener("abort", notify);
  let next = 0;
  try {
    for (; next < order.length; next++) {
      const item = order[next] as T;
      if (!item.running) {
        while (following.size >= options.concurrency && !halted()) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      }
      if (halted()) break;
      begun.push(item);
      const done: Promise<void> = follow(item)
        .then(
          (ok) => {
            if (!ok) failed = true;
          },
          () => {
            failed = true;
          },
        )
        .finally(() => {
          following.delete(done);
          notify();
        });
      following.add(done);
    }
    const stoppedBy = halted();
    await Promise.all(following);
    const notBegun = order.slice(next);
    return { begun, notBegun, ...(notBegun.length > 0 && stoppedBy ? { stoppedBy } : {}) };
  } finally {
    options.interrupt.removeEventListener("abort", notify);
  }
}

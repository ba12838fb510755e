// A virtual clock for tests and benchmarks in which several callers sleep at
// once (followers, a backfill's executions, callers of one API budget), so
// that no one caller's sleep may simply add to the clock. Sleeps register
// timers on virtual time; `run` advances virtual time to the next timer only
// when the process is idle: no HTTP attempt in flight (see `trackInFlight`)
// and the event loop has run its pending callbacks. An hour of polling passes
// in well under a second, and a call is recorded by the local endpoint at the
// virtual instant it was sent.

import type { FakeAws } from "../fake-aws/server.js";

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

export class VirtualTime {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];
  private inFlight = 0;

  constructor(start: number) {
    this.t = start;
  }

  readonly now = (): number => this.t;

  /** Resolves when virtual time reaches now + ms; resolves at once when the signal aborts (as the CLI's sleep does). */
  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer: Timer = {
        at: this.t + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((other) => other !== timer);
        timer.resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.timers.push(timer);
    });
  };

  /** Counts one HTTP attempt in flight until `done` is called; virtual time stands still meanwhile. */
  begin(): () => void {
    this.inFlight += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight -= 1;
    };
  }

  /**
   * Drive virtual time until `work` settles. `maxVirtualMs` guards against a
   * test that would otherwise run forever on virtual time.
   */
  async run<T>(work: Promise<T>, maxVirtualMs = 7 * 24 * 3600 * 1000): Promise<T> {
    let settled = false;
    const watched = work.finally(() => {
      settled = true;
    });
    // Handled by our caller once we return it; until then it must not count as unhandled.
    watched.catch(() => undefined);
    const limit = this.t + maxVirtualMs;
    while (!settled) {
      await idle();
      if (settled) break;
      if (this.inFlight > 0) {
        // An HTTP attempt is on its way: let the event loop carry it.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      if (this.timers.length === 0) {
        // Waiting on a real timer (an SDK retry delay): give it real time.
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0] as Timer;
      if (next.at > limit) throw new Error(`virtual time passed its limit of ${maxVirtualMs} ms`);
      this.t = Math.max(this.t, next.at);
      const due = this.timers.filter((timer) => timer.at <= this.t);
      this.timers = this.timers.filter((timer) => timer.at > this.t);
      for (const timer of due) timer.resolve();
    }
    return watched;
  }

  /** Timers waiting, for assertions. */
  get sleeping(): number {
    return this.timers.length;
  }
}

/** Let every callback and promise continuation that is ready run. */
async function idle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Keep virtual time still while an HTTP attempt of this client is in flight.
 * It must sit inside anything that sleeps on virtual time before sending (an
 * API budget), or time would stand still while that waits: pass that
 * middleware's name as `inside` (default: just inside the SDK's retries).
 */
export function trackInFlight<C extends { middlewareStack: unknown }>(
  client: C,
  time: VirtualTime,
  inside = "retryMiddleware",
): C {
  const stack = client.middlewareStack as {
    addRelativeTo(middleware: never, options: Record<string, unknown>): void;
  };
  const middleware =
    (next: (args: unknown) => Promise<unknown>) =>
    async (args: unknown): Promise<unknown> => {
      const done = time.begin();
      try {
        return await next(args);
      } finally {
        done();
      }
    };
  stack.addRelativeTo(middleware as never, {
    name: "testInFlight",
    relation: "after",
    toMiddleware: inside,
    override: true,
  });
  return client;
}

/** Calls recorded by the local endpoint, counted by operation. */
export function callsByOperation(fake: FakeAws): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of fake.calls) counts[call.operation] = (counts[call.operation] ?? 0) + 1;
  return counts;
}

/** The most of these instants that fall in any half-open window of `windowMs`. */
export function peakInWindow(instants: readonly number[], windowMs = 1000): number {
  const sorted = [...instants].sort((a, b) => a - b);
  let peak = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= windowMs) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}

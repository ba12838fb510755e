import type { Sleep } from "../io/sleep.js";
import { classifyAwsError } from "./errors.js";

/**
 * One Step Functions API budget for every execution a backfill follows.
 *
 * The account's throttling quota is shared by every caller in the account
 * and region (DescribeExecution refills at 10-15 per second, GetExecutionHistory
 * at 20), so N followers must not make N times the calls. Every HTTP attempt,
 * SDK retries included, first takes a slot here.
 *
 * Slots are evenly spaced, `1000 / ratePerSecond` ms apart (a token bucket
 * that holds one token, the generic cell rate algorithm): no half-open 1-second
 * window ever holds more than `ratePerSecond` calls, and there is no burst at
 * all, not even one of `ratePerSecond` calls at once. A sliding-window log
 * would allow that burst, and a bucket of N tokens allows 2N in the second
 * after it filled; spacing is the one that keeps "at most N in any second"
 * while staying gentle on the account's buckets, which other callers draw on
 * too. Its cost, at most one interval of delay for a call that finds another
 * just before it, is small next to poll intervals of seconds.
 *
 * Throttling backs off for everyone: a throttled response seen by any caller
 * doubles the spacing (up to `maxSlowdown` times), and every `recoveryMs`
 * without a throttle halves it again. Throttles arriving within one second of
 * a doubling are the same storm (calls already in flight when we slowed
 * down) and do not double again.
 *
 * Waiters go in FIFO order. Each waiter sleeps, with the injected sleep, until
 * the slot its place in the queue gives it, then checks again (the spacing may
 * have changed meanwhile); so tests on a virtual clock never wait on wall time,
 * and a waiter whose signal aborts leaves the queue at once. A slot given up
 * that way is not handed to the next waiter: the budget stays within the rate
 * and the loss is one interval.
 */

export interface ApiBudgetOptions {
  /** Calls per second, for all callers together; more than 0. */
  ratePerSecond: number;
  now: () => number;
  /** May resolve or reject when the signal aborts; `take` checks the signal either way. */
  sleep: Sleep;
  /** Slowest the throttling backoff goes: the rate divided by this. Default 8. */
  maxSlowdown?: number;
  /** A stretch this long without a throttle halves the slowdown. Default 5 s. */
  recoveryMs?: number;
}

/** A `take` given up because its signal aborted. `cause` is the signal's reason. */
export class BudgetWaitAborted extends Error {
  override readonly name = "AbortError";
}

interface Waiter {
  operation: string;
}

const DEFAULT_MAX_SLOWDOWN = 8;
const DEFAULT_RECOVERY_MS = 5_000;
/** Throttles this close to the last doubling belong to the same storm. */
const STORM_MS = 1_000;
/** The window of `peakRate`, the same as the rate's. */
const WINDOW_MS = 1_000;
const NEVER = new AbortController().signal;

export class ApiBudget {
  /** HTTP attempts granted, by operation (SDK retries included). */
  readonly calls: Record<string, number> = {};
  private throttles = 0;
  private readonly baseIntervalMs: number;
  private readonly maxSlowdown: number;
  private readonly recoveryMs: number;
  private readonly queue: Waiter[] = [];
  private lastGrantAt = Number.NEGATIVE_INFINITY;
  /** The slowdown set by the last doubling, before recovery. */
  private slowdownAtThrottle = 1;
  private lastThrottleAt = Number.NEGATIVE_INFINITY;
  private lastDoublingAt = Number.NEGATIVE_INFINITY;
  /** Grants in the last WINDOW_MS, oldest first, for the peak. */
  private readonly recent: number[] = [];
  private peak = 0;

  constructor(private readonly options: ApiBudgetOptions) {
    if (!(options.ratePerSecond > 0) || !Number.isFinite(options.ratePerSecond)) {
      throw new RangeError(
        `ApiBudget: ratePerSecond must be a positive number, got ${options.ratePerSecond}`,
      );
    }
    this.baseIntervalMs = 1000 / options.ratePerSecond;
    this.maxSlowdown = Math.max(1, options.maxSlowdown ?? DEFAULT_MAX_SLOWDOWN);
    this.recoveryMs = Math.max(1, options.recoveryMs ?? DEFAULT_RECOVERY_MS);
  }

  /**
   * Wait for the next slot, in arrival order. Rejects with BudgetWaitAborted
   * as soon as `signal` aborts (the slot is not counted).
   */
  async take(operation: string, signal: AbortSignal = NEVER): Promise<void> {
    if (signal.aborted) throw aborted(signal);
    const waiter: Waiter = { operation };
    this.queue.push(waiter);
    try {
      for (;;) {
        const now = this.options.now();
        const position = this.queue.indexOf(waiter);
        const slot = this.lastGrantAt + (position + 1) * this.intervalAt(now);
        if (position === 0 && now >= slot) break;
        // A waiter behind one that is late to wake sleeps briefly and looks again.
        await this.options.sleep(Math.max(1, Math.ceil(slot - now)), signal).catch((error: unknown) => {
          if (!signal.aborted) throw error;
        });
        if (signal.aborted) throw aborted(signal);
      }
    } finally {
      this.queue.splice(this.queue.indexOf(waiter), 1);
    }
    this.grant(operation, this.options.now());
  }

  /** A throttled response: slow every caller down for a while. */
  noteThrottled(): void {
    const now = this.options.now();
    this.throttles += 1;
    if (now - this.lastDoublingAt >= STORM_MS) {
      this.slowdownAtThrottle = Math.min(this.maxSlowdown, this.slowdownAt(now) * 2);
      this.lastDoublingAt = now;
    } else {
      // Still the same storm: keep the slowdown where it is, restart recovery.
      this.slowdownAtThrottle = this.slowdownAt(now);
    }
    this.lastThrottleAt = now;
  }

  /** Throttled responses seen. */
  get throttled(): number {
    return this.throttles;
  }

  /** The calls per second allowed right now (lower than the rate while backing off). */
  currentRate(): number {
    return 1000 / this.intervalAt(this.options.now());
  }

  /** The most calls granted in any 1-second window (half-open) so far. */
  peakRate(): number {
    return this.peak;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  private grant(operation: string, now: number): void {
    this.lastGrantAt = now;
    this.calls[operation] = (this.calls[operation] ?? 0) + 1;
    while (this.recent.length > 0 && (this.recent[0] as number) <= now - WINDOW_MS) this.recent.shift();
    this.recent.push(now);
    this.peak = Math.max(this.peak, this.recent.length);
  }

  private intervalAt(now: number): number {
    return this.baseIntervalMs * this.slowdownAt(now);
  }

  /** The backoff halves with each `recoveryMs` since the last throttle, down to none. */
  private slowdownAt(now: number): number {
    if (this.slowdownAtThrottle <= 1) return 1;
    const halvings = Math.floor((now - this.lastThrottleAt) / this.recoveryMs);
    return Math.max(1, this.slowdownAtThrottle / 2 ** halvings);
  }
}

function aborted(signal: AbortSignal): BudgetWaitAborted {
  return new BudgetWaitAborted("Waiting for the Step Functions API budget was aborted", {
    cause: signal.reason,
  });
}

// ---------------------------------------------------------------------------
// On an SDK v3 client

/** What the middleware reads of the SDK's handler context. */
interface HandlerContext {
  commandName?: string;
  /** `@smithy/types` SMITHY_CONTEXT_KEY: where the client keeps `send(cmd, { abortSignal })`'s signal. */
  __smithy_context?: { abortSignal?: AbortSignal };
}

type Next = (args: unknown) => Promise<unknown>;
type FinalizeMiddleware = (next: Next, context: HandlerContext) => Next;

/** The name the middleware goes by on the stack. */
export const API_BUDGET_MIDDLEWARE = "batchinfApiBudget";

/**
 * Where it goes: inside the SDK's retry middleware (`retryMiddleware`, step
 * `finalizeRequest`, priority high, in @smithy/core/retry), so that each
 * attempt, not each command, takes a slot: a retried call costs the account
 * a call all the same.
 */
export const apiBudgetMiddlewareOptions = {
  name: API_BUDGET_MIDDLEWARE,
  relation: "after",
  toMiddleware: "retryMiddleware",
  override: true,
} as const;

/**
 * Each HTTP attempt waits for a slot; a throttled answer (ThrottlingException,
 * HTTP 429, or whatever the SDK's own classification calls throttling) slows
 * the whole budget down.
 */
export function apiBudgetMiddleware(budget: ApiBudget): FinalizeMiddleware {
  return (next, context) => async (args) => {
    const operation = String(context.commandName ?? "unknown").replace(/Command$/, "");
    await budget.take(operation, context.__smithy_context?.abortSignal);
    try {
      return await next(args);
    } catch (error: unknown) {
      if (classifyAwsError(error) === "throttling") budget.noteThrottled();
      throw error;
    }
  };
}

interface RelativeAdder {
  addRelativeTo(middleware: never, options: typeof apiBudgetMiddlewareOptions): void;
}

/**
 * Put the budget on a client (an SFNClient; any SDK v3 client works). Every
 * client of one backfill gets the same budget. Returns the client.
 */
export function attachApiBudget<C extends { middlewareStack: unknown }>(client: C, budget: ApiBudget): C {
  (client.middlewareStack as RelativeAdder).addRelativeTo(
    apiBudgetMiddleware(budget) as never,
    apiBudgetMiddlewareOptions,
  );
  return client;
}

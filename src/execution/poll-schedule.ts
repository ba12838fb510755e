import { integrationPollHint, type PollHint } from "../tasks/kind.js";
import { kindOfResource } from "../tasks/registry.js";
import type { StateRun } from "./model.js";

export type { PollHint } from "../tasks/kind.js";

/** What the history of past runs says about this one (the `--history` reader gives it). */
export interface Expectations {
  /** Each state's median duration in past successful runs, ms, by state name. */
  medians: ReadonlyMap<string, number>;
  /** When this run is expected to end, epoch ms; it tells the state whose end is the run's. */
  expectedEnd?: number;
}

export interface PollScheduleOptions {
  /** --poll-interval: the densest polling. */
  pollInterval: number;
  /** --max-poll-interval: the sparsest, so the bound on noticing any change. */
  maxPollInterval: number;
  /** The hint of a running state; default: its task kind's, else its integration's (see `pollHintOf`). */
  hintOf?: (run: StateRun) => PollHint | undefined;
}

/** What the schedule looks at after each poll. */
export interface PollView {
  now: number;
  /** The state runs entered and not yet exited. */
  running: readonly StateRun[];
  expectations?: Expectations;
}

/** Short or unknown states: the interval grows by half each poll, and events do not restart it. */
const RAMP_GROWTH = 1.5;
/**
 * Polls denser than the sparse schedule are paid from a budget that grows by
 * this share of the sparse schedule's polls (a run of --max-poll-interval
 * polls makes at most 1.25x their number)...
 */
const EXTRA_SHARE = 0.25;
/** ...plus these few at the start, so that a short run's end can be met too. */
const STARTING_EXTRA = 6;
/** A state shorter than this gets no window: the sparse schedule already looks at it a few times. */
const WINDOW_MIN_MEDIAN_POLLS = 3;
/** A state whose end is not the run's gets a few dense polls around its expected end, no more. */
const STATE_WINDOW_EXTRA = 4;
/** No window is wider than this share of the median on each side, however large the budget. */
const WINDOW_MAX_SHARE = 0.25;

/**
 * When to poll next, from what is running (and, when the history of past
 * runs is known, when each running state is expected to end):
 *
 * - A state whose kind runs for minutes (a `.sync` job) is polled every
 *   --max-poll-interval: polling it more often finds nothing new.
 * - Otherwise the interval starts at --poll-interval and grows by half each
 *   poll up to --max-poll-interval. New events do not restart it, so a burst
 *   or a steady stream of short states is read with the pages of a few
 *   polls, not with more polls. It restarts when a long state ends into
 *   short ones: the run's end may be near.
 * - With expectations, each running state with a median gets a window around
 *   its expected end (entered + median), polled every --poll-interval; the
 *   window of the state whose end is the run's is as wide as a budget allows
 *   (a quarter more polls than the sparse schedule's, plus a few), the others'
 *   a few polls each. Between windows the schedule stays sparse.
 *
 * Every interval is at most --max-poll-interval: the end of the execution,
 * and any state's start, are noticed within it whatever happens.
 */
export class PollSchedule {
  private readonly hintOf: (run: StateRun) => PollHint | undefined;
  private ramp: number;
  private polls = 0;
  private longBefore = false;
  private last: number;
  private lastAt: number | undefined;
  /** Extra polls the budget still allows (see EXTRA_SHARE). */
  private budget = STARTING_EXTRA;
  /** A window's half-width, fixed once it is entered so that it is not cut short as the budget is spent. */
  private readonly entered = new WeakMap<StateRun, number>();
  /** What each state's window spent, for the states whose end is not the run's. */
  private readonly spent = new WeakMap<StateRun, number>();

  constructor(private readonly options: PollScheduleOptions) {
    this.hintOf = options.hintOf ?? pollHintOf;
    this.ramp = options.pollInterval;
    this.last = options.pollInterval;
  }

  /** The interval to the next poll, after a poll that succeeded. */
  next(view: PollView): number {
    const { pollInterval, maxPollInterval } = this.options;
    if (this.lastAt !== undefined) {
      this.budget += (EXTRA_SHARE * Math.max(0, view.now - this.lastAt)) / maxPollInterval;
    }
    this.lastAt = view.now;

    const long = view.running.some((run) => this.hintOf(run) === "minutes");
    let base: number;
    if (long) {
      base = maxPollInterval;
    } else {
      const restart = this.polls === 0 || this.longBefore;
      this.ramp = restart ? pollInterval : Math.min(this.ramp * RAMP_GROWTH, maxPollInterval);
      base = this.ramp;
    }
    this.longBefore = long;
    this.polls++;

    const wanted = view.expectations ? this.windows(view, view.expectations, base) : undefined;
    this.last = Math.round(wanted === undefined ? base : this.pay(wanted.interval, base, wanted.run));
    return this.last;
  }

  /** The interval after a poll that failed: throttling doubles it (up to the maximum), anything else keeps it. */
  afterError(throttled: boolean): number {
    if (throttled) this.last = Math.min(this.last * 2, this.options.maxPollInterval);
    return this.last;
  }

  /** The shortest interval any running state's window asks for, and the state that asks. */
  private windows(
    view: PollView,
    expectations: Expectations,
    base: number,
  ): { interval: number; run: StateRun } | undefined {
    const { pollInterval, maxPollInterval } = this.options;
    let best: { interval: number; run: StateRun } | undefined;
    for (const run of view.running) {
      const median = expectations.medians.get(run.name);
      if (median === undefined || median < WINDOW_MIN_MEDIAN_POLLS * maxPollInterval) continue;
      const end = run.enteredAt + median;
      const final =
        expectations.expectedEnd === undefined || Math.abs(end - expectations.expectedEnd) <= median / 2;
      const halfWidth = this.entered.get(run) ?? this.halfWidth(run, end - view.now, median, final);
      const untilWindow = end - halfWidth - view.now;
      let interval: number;
      if (untilWindow <= pollInterval) {
        // Inside the window (or about to be): dense until it has passed.
        if (view.now > end + halfWidth) continue;
        if (!this.entered.has(run)) this.entered.set(run, halfWidth);
        interval = pollInterval;
      } else {
        // Sparse until the window opens, then land on its first instant.
        interval = Math.min(base, untilWindow);
      }
      if (interval < base && (!best || interval < best.interval)) best = { interval, run };
    }
    return best;
  }

  /**
   * A window's half-width: what the budget will hold by the state's expected
   * end (and gains while the window lasts), spent at --poll-interval over
   * both halves; a state whose end is not the run's gets a few polls' worth.
   */
  private halfWidth(run: StateRun, untilEnd: number, median: number, final: boolean): number {
    const { pollInterval, maxPollInterval } = this.options;
    const accrual = EXTRA_SHARE / maxPollInterval;
    const perMs = 1 / pollInterval - 1 / maxPollInterval;
    const available = final
      ? this.budget + accrual * Math.max(0, untilEnd)
      : Math.min(this.budget, STATE_WINDOW_EXTRA - (this.spent.get(run) ?? 0));
    if (available <= 0) return 0;
    return Math.min(WINDOW_MAX_SHARE * median, available / (2 * perMs - (final ? accrual : 0)));
  }

  /**
   * An interval shorter than the sparse one costs the share of a poll it
   * adds (polling at half the interval adds half a poll per poll); the
   * budget pays for it or the interval stretches until it can.
   */
  private pay(interval: number, base: number, run: StateRun): number {
    const cost = 1 - interval / base;
    const affordable = Math.min(cost, Math.max(0, this.budget));
    this.budget -= affordable;
    this.spent.set(run, (this.spent.get(run) ?? 0) + affordable);
    return base * (1 - affordable);
  }
}

/**
 * A running state's hint: its task kind's (src/tasks/), else its
 * integration's (`.sync` and `.waitForTaskToken`: minutes, a request-response
 * call: seconds); none for a state that is not a task (Pass, Choice, Map and
 * Parallel themselves), whose pace the ramp sets.
 */
export function pollHintOf(run: StateRun): PollHint | undefined {
  if (run.kind !== "Task" || !run.resource) return undefined;
  return kindOfResource(run.resource)?.pollHint(run.resource) ?? integrationPollHint(run.resource);
}

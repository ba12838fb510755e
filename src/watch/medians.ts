import type { StateRun } from "../execution/model.js";

/** What the last successful runs of a state machine say to expect. */
export interface PastRuns {
  /** Successful runs read (never-redriven ones only). */
  runs: number;
  /** The run's median duration, ms. */
  medianMs?: number;
  /** Each state's median duration per run of it, ms, by name. */
  states: Record<string, number>;
  /** Calls the read made, for the result and the bench. */
  calls: number;
}

/** Fewer runs than this make no estimate: two points are not a habit. */
export const MIN_RUNS = 3;

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Collects durations run by run, and gives the medians. */
export class DurationSamples {
  private readonly runDurations: number[] = [];
  private readonly byState = new Map<string, number[]>();

  /** One successful run: its duration and each state run that ended. */
  add(runMs: number | undefined, states: readonly StateRun[]): void {
    if (runMs !== undefined) this.runDurations.push(runMs);
    for (const run of states) {
      if (run.exitedAt === undefined || run.status !== "succeeded") continue;
      const list = this.byState.get(run.name) ?? [];
      list.push(run.exitedAt - run.enteredAt);
      this.byState.set(run.name, list);
    }
  }

  result(calls: number): PastRuns {
    const states: Record<string, number> = {};
    for (const [name, values] of this.byState) states[name] = median(values) as number;
    const medianMs = median(this.runDurations);
    return { runs: this.runDurations.length, ...(medianMs !== undefined ? { medianMs } : {}), states, calls };
  }
}

/** A state running this long past its median (2x and 5 minutes more) is slow enough to say so. */
export function slowAfter(medianMs: number): number {
  return 2 * medianMs + 5 * 60_000;
}

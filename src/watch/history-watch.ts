import type { SFNClient } from "@aws-sdk/client-sfn";
import { ApiBudget } from "../aws/api-budget.js";
import { formatDuration } from "../duration.js";
import type { Emit, ExecutionEvent, Expected, StateRun } from "../execution/model.js";
import type { Expectations } from "../execution/poll-schedule.js";
import type { Sleep } from "../io/sleep.js";
import { MIN_RUNS, type PastRuns, slowAfter } from "./medians.js";
import { readPastRuns } from "./past-runs.js";

export interface HistoryWatchOptions {
  client: SFNClient;
  /** --history N (at least 1; 0 means no watch at all). */
  count: number;
  /** --max-api-rate: the read's calls per second. */
  ratePerSecond: number;
  now: () => number;
  sleep: Sleep;
  /** The command's interrupt: a signal ends the read. */
  interrupt: AbortSignal;
}

/**
 * --history: the state machine's last successful runs, read once per command
 * in the background after the first start (never before it: the start does
 * not wait), shared by every execution the command follows (a backfill's
 * dates run the same machine). Each execution gets an ExecutionWatch that
 * says when the run should end, names each state's median as it ends, and
 * warns once about a state running well past its median.
 */
export class HistoryWatch {
  private read?: Promise<PastRuns | Error>;
  private readonly abort = new AbortController();
  private following = 0;

  constructor(private readonly options: HistoryWatchOptions) {}

  forExecution(emit: Emit): ExecutionWatch {
    this.following++;
    return new ExecutionWatch(this, emit, this.options.now);
  }

  /** Starts the read the first time; later callers share it. Never rejects. */
  load(stateMachineArn: string): Promise<PastRuns | Error> {
    this.read ??= this.readOnce(stateMachineArn);
    return this.read;
  }

  /** An execution is done with the watch; the last one ends a read still under way. */
  release(): void {
    this.following--;
    if (this.following <= 0) this.abort.abort();
  }

  private async readOnce(stateMachineArn: string): Promise<PastRuns | Error> {
    const { client, count, ratePerSecond, now, sleep, interrupt } = this.options;
    const budget = new ApiBudget({ ratePerSecond, now, sleep });
    const signal = AbortSignal.any([this.abort.signal, interrupt]);
    try {
      return await readPastRuns(client, stateMachineArn, {
        count,
        signal,
        pace: (operation, paceSignal) => budget.take(operation, paceSignal),
      });
    } catch (error: unknown) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }
}

/** One followed execution's view of the history: an emit wrapper, and a check per poll. */
export class ExecutionWatch {
  private past?: PastRuns;
  private startedAt?: number;
  private redriven = false;
  private ended = false;
  private note?: string;
  private readonly warned = new WeakSet<StateRun>();
  private executionArn?: string;
  private begun = false;
  private released = false;

  constructor(
    private readonly shared: HistoryWatch,
    private readonly emit: Emit,
    private readonly now: () => number,
  ) {}

  /** Passes every event on, adding what the history knows: a state's median, the run's expectation. */
  readonly onEvent = (event: ExecutionEvent): void => {
    switch (event.type) {
      case "started":
      case "attached":
      case "redriven":
        this.startedAt = event.startedAt;
        if (event.type === "redriven" || event.status === "PENDING_REDRIVE") this.redriven = true;
        this.executionArn = event.executionArn;
        break;
      case "execution-redriven":
        this.redriven = true;
        break;
      case "state-succeeded": {
        const medianMs = this.past?.states[event.run.name];
        this.emit(medianMs === undefined ? event : { ...event, medianMs });
        return;
      }
      case "ended":
        this.ended = true;
        if (this.past || this.note) event.report.expected = this.expected();
        this.finish();
        break;
      default:
        break;
    }
    this.emit(event);
  };

  /** Once per poll: a state past 2x its median and 5 minutes more gets one warning. */
  onPoll(running: readonly StateRun[]): void {
    // The read begins with the first poll: after the start, and never for --no-wait.
    if (!this.begun && this.executionArn) this.begin(this.executionArn);
    const past = this.past;
    if (!past || past.runs < 1) return;
    const now = this.now();
    for (const run of running) {
      const medianMs = past.states[run.name];
      if (medianMs === undefined || this.warned.has(run)) continue;
      const ranMs = now - run.enteredAt;
      if (ranMs <= slowAfter(medianMs)) continue;
      this.warned.add(run);
      this.emit({
        type: "notice",
        at: now,
        level: "warn",
        message: `${run.name} has run ${formatDuration(ranMs)}, more than twice its median ${formatDuration(medianMs)} (of the last ${runs(past.runs)}) and 5 minutes more; still waiting.`,
      });
    }
  }

  /** For the poll schedule (src/execution/poll-schedule.ts): each state's median and the expected end, once read. */
  expectations(): Expectations | undefined {
    if (!this.past) return undefined;
    const endAt = this.expected().endAt;
    return {
      medians: new Map(Object.entries(this.past.states)),
      ...(endAt !== undefined ? { expectedEnd: endAt } : {}),
    };
  }

  /** Following ended (once, whichever way): the read is not needed for this execution any more. */
  finish(): void {
    if (this.released) return;
    this.released = true;
    this.shared.release();
  }

  private begin(executionArn: string): void {
    this.begun = true;
    const machine = stateMachineOf(executionArn);
    if (!machine) return;
    void this.shared.load(machine).then((past) => this.ready(past));
  }

  private ready(past: PastRuns | Error): void {
    if (this.ended) return;
    if (past instanceof Error) {
      if (past.name === "AbortError") return;
      this.note = `the last successful runs could not be read (${past.name}: ${past.message})`;
      this.say("warn", `--history: ${this.note}; no expected end.`);
      return;
    }
    this.past = past;
    const expected = this.expected();
    if (expected.note) {
      this.say("info", `--history: ${expected.note}.`);
      return;
    }
    this.say(
      "info",
      `Expected to end around ${clock(expected.endAt as number)} UTC (median ${formatDuration(expected.medianMs as number)} of the last ${runs(past.runs)}).`,
    );
  }

  private expected(): Expected {
    const past = this.past;
    if (!past) return { basedOn: 0, states: {}, ...(this.note ? { note: this.note } : {}) };
    const base: Expected = {
      basedOn: past.runs,
      ...(past.medianMs !== undefined ? { medianMs: past.medianMs } : {}),
      states: past.states,
    };
    if (past.runs < MIN_RUNS) {
      const found = past.runs === 0 ? "no successful run" : `only ${runs(past.runs)}`;
      return {
        ...base,
        note: `${found} of this state machine to learn from (${MIN_RUNS} needed), so no estimate`,
      };
    }
    if (this.redriven) {
      return {
        ...base,
        note: "this execution was redriven and restarts midway, so no expected end (each state's median still holds)",
      };
    }
    if (past.medianMs === undefined || this.startedAt === undefined) return base;
    return { ...base, endAt: this.startedAt + past.medianMs };
  }

  private say(level: "info" | "warn", message: string): void {
    this.emit({ type: "notice", at: this.now(), level, message });
  }
}

/** `arn:aws:states:R:A:execution:MACHINE:NAME` -> `arn:aws:states:R:A:stateMachine:MACHINE`. */
export function stateMachineOf(executionArn: string): string | undefined {
  const parts = executionArn.split(":");
  if (parts.length < 8 || parts[5] !== "execution") return undefined;
  return [...parts.slice(0, 5), "stateMachine", parts[6]].join(":");
}

function runs(n: number): string {
  return `${n} successful run${n === 1 ? "" : "s"}`;
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

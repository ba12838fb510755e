import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { formatDuration } from "../duration.js";
import type { Logger } from "../io/log.js";
import { explainCause } from "./cause.js";

export type TerminalStatus = "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

export interface StateRun {
  name: string;
  enteredAt: number;
  exitedAt?: number;
  status: "running" | "succeeded" | "failed";
  /** Task attempts, retries included. */
  attempts: number;
}

/** A run plus what the tracker needs while it is open. */
interface OpenRun extends StateRun {
  lastAttemptFailed: boolean;
}

export interface Failure {
  state: string;
  error?: string;
  cause?: string;
  /** The Fail state a Catch routed the failure to, if any. */
  routedTo?: string;
}

const EXECUTION_END: Record<string, TerminalStatus> = {
  ExecutionSucceeded: "SUCCEEDED",
  ExecutionFailed: "FAILED",
  ExecutionTimedOut: "TIMED_OUT",
  ExecutionAborted: "ABORTED",
};

/** Event types that end an attempt of a task in failure (a Retry may follow). */
const ATTEMPT_FAILED =
  /^(Task|Activity|LambdaFunction)(Failed|TimedOut|StartFailed|SubmitFailed|ScheduleFailed)$/;

/**
 * Follows an execution's history as it arrives and tells the log what a
 * person watching the console would see: states entering, succeeding,
 * failing, retrying, with elapsed times.
 */
export class ExecutionTracker {
  readonly events: HistoryEvent[] = [];
  /**
   * Which state run each event belongs to, through previousEventId chains:
   * Map and Parallel run several states of one name at once, so a name is
   * not enough to tell them apart.
   */
  private readonly runOfEvent = new Map<number, OpenRun>();
  private readonly runs: OpenRun[] = [];
  terminal?: { status: TerminalStatus; error?: string; cause?: string; at: number };

  constructor(
    private readonly log: Logger,
    private readonly startedAt: number,
  ) {}

  /** The end seen was an earlier run's: the execution was redriven since. */
  resume(): void {
    this.terminal = undefined;
  }

  apply(events: readonly HistoryEvent[]): void {
    for (const event of events) this.applyOne(event);
  }

  states(): readonly StateRun[] {
    return this.runs.map(({ lastAttemptFailed: _, ...run }) => run);
  }

  private applyOne(event: HistoryEvent): void {
    this.events.push(event);
    const type = event.type ?? "";
    const at = event.timestamp?.getTime() ?? this.startedAt;
    const run = type.endsWith("StateEntered") ? this.enter(event, at) : this.runFor(event);
    if (event.id !== undefined && run) this.runOfEvent.set(event.id, run);
    const state = run?.name;

    if (type.endsWith("StateEntered")) {
      this.line(at, `${state} entered${kindOf(type)}`);
    } else if (type.endsWith("StateExited")) {
      if (run && run.status === "running") {
        run.exitedAt = at;
        const name = run.name;
        if (run.lastAttemptFailed) {
          run.status = "failed";
          this.line(at, `${name} left after a failure (caught) in ${formatDuration(at - run.enteredAt)}`);
        } else {
          run.status = "succeeded";
          this.line(
            at,
            `${name} succeeded in ${formatDuration(at - run.enteredAt)}${run.attempts > 1 ? ` (${run.attempts} attempts)` : ""}`,
          );
        }
      }
    } else if (
      type === "TaskScheduled" ||
      type === "ActivityScheduled" ||
      type === "LambdaFunctionScheduled"
    ) {
      if (run) {
        run.attempts++;
        run.lastAttemptFailed = false;
        if (run.attempts > 1) this.line(at, `${run.name} retrying (attempt ${run.attempts})`);
      }
    } else if (type === "TaskSubmitted") {
      const id = submittedId(event.taskSubmittedEventDetails?.output);
      if (id && state) this.line(at, `${state} submitted ${id}`);
    } else if (ATTEMPT_FAILED.test(type)) {
      const details = failureDetails(event);
      if (run) run.lastAttemptFailed = true;
      this.line(
        at,
        `${state ?? "?"} attempt failed: ${details.error ?? type}${details.cause ? ` (${causeSummary(details.cause)})` : ""}`,
      );
    } else if (type === "ExecutionRedriven") {
      this.terminal = undefined;
      this.line(at, "execution redriven");
    } else if (EXECUTION_END[type]) {
      const details = failureDetails(event);
      this.terminal = { status: EXECUTION_END[type] as TerminalStatus, ...details, at };
      for (const open of this.runs) {
        if (open.status !== "running") continue;
        open.status = "failed";
        open.exitedAt = at;
      }
    }
  }

  private enter(event: HistoryEvent, at: number): OpenRun {
    const name = event.stateEnteredEventDetails?.name ?? "?";
    const run: OpenRun = { name, enteredAt: at, status: "running", attempts: 0, lastAttemptFailed: false };
    this.runs.push(run);
    return run;
  }

  /** The run an event belongs to: its predecessor's, else the latest open run of the state it names. */
  private runFor(event: HistoryEvent): OpenRun | undefined {
    const byChain = this.runOfEvent.get(event.previousEventId ?? -1);
    if (byChain) return byChain;
    const name = event.stateExitedEventDetails?.name;
    if (!name) return undefined;
    for (let i = this.runs.length - 1; i >= 0; i--) {
      const candidate = this.runs[i] as OpenRun;
      if (candidate.name === name && candidate.status === "running") return candidate;
    }
    return undefined;
  }

  /**
   * The failure to blame, walking back from the end of the history: the last
   * failed attempt of a state that never recovered. A Fail state has no task
   * of its own: when a Catch routed there, the caught task is the culprit.
   */
  failure(): Failure | undefined {
    if (!this.terminal || this.terminal.status === "SUCCEEDED") return undefined;
    if (this.terminal.status !== "FAILED") return this.interrupted();
    let routedTo: string | undefined;
    for (let i = this.events.length - 1; i >= 0; i--) {
      const event = this.events[i] as HistoryEvent;
      const type = event.type ?? "";
      if (type === "FailStateEntered" && routedTo === undefined) {
        routedTo = event.stateEnteredEventDetails?.name;
        continue;
      }
      if (type === "TaskSucceeded" || type === "ActivitySucceeded" || type === "LambdaFunctionSucceeded") {
        // A success after every later failure: nothing earlier is the culprit.
        break;
      }
      if (ATTEMPT_FAILED.test(type) || type === "MapStateFailed" || type === "ParallelStateFailed") {
        const state = this.runOfEvent.get(event.id ?? -1)?.name ?? "?";
        const details = failureDetails(event);
        return {
          state,
          ...((details.error ?? this.terminal.error) ? { error: details.error ?? this.terminal.error } : {}),
          ...((details.cause ?? this.terminal.cause) ? { cause: details.cause ?? this.terminal.cause } : {}),
          ...(routedTo ? { routedTo } : {}),
        };
      }
    }
    return this.interrupted(routedTo);
  }

  /** TIMED_OUT and ABORTED end whatever state was running; a failed attempt inside it is not the reason. */
  private interrupted(routedTo?: string): Failure {
    const terminal = this.terminal;
    const running = [...this.runs].reverse().find((run) => run.status === "failed");
    const state = routedTo ?? running?.name ?? "(no state had started)";
    const error = terminal?.error ?? (terminal?.status === "TIMED_OUT" ? "States.Timeout" : undefined);
    return { state, ...(error ? { error } : {}), ...(terminal?.cause ? { cause: terminal.cause } : {}) };
  }

  private line(at: number, text: string): void {
    this.log.info(`${elapsed(at - this.startedAt)}  ${text}`);
  }
}

function failureDetails(event: HistoryEvent): { error?: string; cause?: string } {
  const details =
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.taskStartFailedEventDetails ??
    event.taskSubmitFailedEventDetails ??
    event.activityFailedEventDetails ??
    event.activityTimedOutEventDetails ??
    event.activityScheduleFailedEventDetails ??
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails ??
    event.lambdaFunctionStartFailedEventDetails ??
    event.lambdaFunctionScheduleFailedEventDetails ??
    event.executionFailedEventDetails ??
    event.executionTimedOutEventDetails ??
    event.executionAbortedEventDetails;
  const out: { error?: string; cause?: string } = {};
  if (details && "error" in details && details.error) out.error = details.error;
  if (details && "cause" in details && details.cause) out.cause = details.cause;
  return out;
}

function kindOf(type: string): string {
  const kind = type.replace(/StateEntered$/, "");
  return kind === "Task" ? "" : ` (${kind} state)`;
}

/** Glue's StartJobRun answers JobRunId, Batch's SubmitJob JobId: worth a line for the console search. */
function submittedId(output: string | undefined): string | undefined {
  if (!output) return undefined;
  try {
    const parsed = JSON.parse(output) as Record<string, unknown>;
    if (typeof parsed.JobRunId === "string") return `Glue job run ${parsed.JobRunId}`;
    if (typeof parsed.JobId === "string") return `Batch job ${parsed.JobId}`;
  } catch {
    // Output that is not JSON names nothing we can show.
  }
  return undefined;
}

/** The headline of a known cause (Glue run, Batch job), else the cause itself, on one line. */
function causeSummary(cause: string): string {
  const lines = explainCause(cause);
  const headline = lines.indexOf("cause:") > 0 ? lines.slice(0, lines.indexOf("cause:")) : [];
  return oneLine(headline.length > 0 ? headline.map((line) => line.trim()).join(": ") : cause);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat;
}

/** "+1:02:03" style, fixed width for the common case so columns line up. */
export function elapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mmss = `${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
  return h > 0 ? `+${h}:${mmss}` : `+${mmss}`;
}

import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { sanitizeAwsValue } from "../failure/cause.js";
import { parseJsonObject } from "../json/parse-object.js";
import { kindOfResource } from "../tasks/registry.js";
import { jobDocument } from "../usage/usage.js";
import type { Attempt, Emit, Failure, StateRun, TaskRef, TerminalStatus } from "./model.js";

const EXECUTION_END: Record<string, TerminalStatus> = {
  ExecutionSucceeded: "SUCCEEDED",
  ExecutionFailed: "FAILED",
  ExecutionTimedOut: "TIMED_OUT",
  ExecutionAborted: "ABORTED",
};

/** Event types that end an attempt of a task in failure (a Retry may follow). */
const ATTEMPT_FAILED =
  /^(Task|Activity|LambdaFunction)(Failed|TimedOut|StartFailed|SubmitFailed|ScheduleFailed)$/;
const ATTEMPT_SCHEDULED = new Set(["TaskScheduled", "ActivityScheduled", "LambdaFunctionScheduled"]);
const ATTEMPT_SUCCEEDED = new Set(["TaskSucceeded", "ActivitySucceeded", "LambdaFunctionSucceeded"]);

/** What failure() needs of the history, kept instead of the events themselves (25,000 events add up). */
type Mark =
  | { kind: "attempt-failed"; run: StateRun; error?: string; cause?: string }
  | { kind: "succeeded" }
  | { kind: "fail-state"; name: string };

interface OpenRun {
  run: StateRun;
  /** The attempt under way or last ended. */
  attempt?: Attempt;
}

/**
 * Follows an execution's history, event by event, into state runs and
 * attempts, and emits what a person watching the console would see: states
 * entering, succeeding, failing, retrying. It prints nothing.
 */
export class ExecutionTracker {
  readonly runs: StateRun[] = [];
  terminal?: { status: TerminalStatus; error?: string; cause?: string; at: number };
  events = 0;
  /** Step Functions' billing unit: each state entered, and each retry. */
  stateTransitions = 0;
  /**
   * Which run each event belongs to, through previousEventId chains: Map and
   * Parallel run several states of one name at once, so a name is not enough.
   */
  private readonly runOfEvent = new Map<number, OpenRun>();
  private readonly marks: Mark[] = [];

  constructor(
    private readonly emit: Emit,
    private readonly startedAt: number,
  ) {}

  /** The end seen was an earlier run's: the execution was redriven since. */
  resume(): void {
    this.terminal = undefined;
  }

  /** Runs still open (entered, not exited). */
  running(): StateRun[] {
    return this.runs.filter((run) => run.status === "running");
  }

  apply(event: HistoryEvent): void {
    this.events++;
    const type = event.type ?? "";
    const at = event.timestamp?.getTime() ?? this.startedAt;
    const open = type.endsWith("StateEntered") ? this.enter(event, type, at) : this.openFor(event);
    if (event.id !== undefined && open) this.runOfEvent.set(event.id, open);

    if (type.endsWith("StateEntered")) this.stateTransitions++;
    if (type === "FailStateEntered") {
      this.marks.push({ kind: "fail-state", name: event.stateEnteredEventDetails?.name ?? "?" });
    }
    if (type.endsWith("StateEntered") && open) {
      this.emit({ type: "state-entered", at, run: open.run });
    } else if (type.endsWith("StateExited")) {
      if (open) this.exit(open, at);
    } else if (ATTEMPT_SCHEDULED.has(type)) {
      if (open) this.schedule(open, event, at);
    } else if (type === "TaskSubmitted") {
      const task = submittedTask(open?.run, event.taskSubmittedEventDetails?.output);
      if (open?.attempt && task) {
        open.attempt.task = { ...open.attempt.task, ...task };
        this.emit({ type: "task-submitted", at, run: open.run, task: open.attempt.task });
      }
    } else if (ATTEMPT_SUCCEEDED.has(type)) {
      this.marks.push({ kind: "succeeded" });
      if (open?.attempt) {
        open.attempt.status = "succeeded";
        open.attempt.endedAt = at;
        const ended = succeededTask(open.run, event.taskSucceededEventDetails?.output);
        if (ended && open.attempt.task) open.attempt.task = { ...open.attempt.task, ...ended };
        this.measure(open, event.taskSucceededEventDetails?.output);
      }
    } else if (ATTEMPT_FAILED.test(type) || type === "MapStateFailed" || type === "ParallelStateFailed") {
      const details = failureDetails(event);
      if (open) {
        const attempt = open.attempt ?? this.newAttempt(open, at);
        attempt.status = "failed";
        attempt.endedAt = at;
        if (details.error) attempt.error = details.error;
        if (details.cause) attempt.cause = details.cause;
        // A failed .sync job's cause is its job document: what it used until it failed counts too.
        this.measure(open, event.taskFailedEventDetails?.cause);
        this.marks.push({ kind: "attempt-failed", run: open.run, ...details });
        this.emit({ type: "attempt-failed", at, run: open.run, attempt });
      }
    } else if (type === "ExecutionRedriven") {
      this.terminal = undefined;
      this.emit({ type: "execution-redriven", at });
    } else if (EXECUTION_END[type]) {
      this.end(EXECUTION_END[type] as TerminalStatus, failureDetails(event), at);
    }
  }

  private enter(event: HistoryEvent, type: string, at: number): OpenRun {
    const run: StateRun = {
      name: event.stateEnteredEventDetails?.name ?? "?",
      kind: type.replace(/StateEntered$/, ""),
      enteredAt: at,
      status: "running",
      attempts: [],
    };
    this.runs.push(run);
    return { run };
  }

  private schedule(open: OpenRun, event: HistoryEvent, at: number): void {
    const details = event.taskScheduledEventDetails;
    if (details?.resourceType && details.resource) {
      open.run.resource = `arn:aws:states:::${details.resourceType}:${details.resource}`;
    }
    // A legacy Task names its resource (a Lambda function's ARN) as it is.
    const legacy = event.lambdaFunctionScheduledEventDetails?.resource;
    if (legacy) open.run.resource = legacy;
    const retried = open.attempt?.status === "failed";
    const attempt = this.newAttempt(open, at);
    const kind = kindOfResource(open.run.resource);
    if (kind && open.run.resource) {
      const parameters = details?.parameters ? parseJsonObject(details.parameters) : undefined;
      attempt.task = { kind: kind.id, ...kind.scheduled(parameters, open.run.resource) };
    }
    if (retried) {
      this.stateTransitions++;
      this.emit({ type: "state-retried", at, run: open.run, attempt });
    }
  }

  /** The attempt's usage, read from its job document at once (the document itself is not kept). */
  private measure(open: OpenRun, document: string | undefined): void {
    const kind = kindOfResource(open.run.resource);
    const parsed = jobDocument(document);
    if (!kind?.usage || !open.attempt || !parsed) return;
    const usage = kind.usage.read(parsed);
    if (usage) open.attempt.usage = usage;
  }

  private newAttempt(open: OpenRun, at: number): Attempt {
    const attempt: Attempt = { number: open.run.attempts.length + 1, startedAt: at, status: "running" };
    open.run.attempts.push(attempt);
    open.attempt = attempt;
    return attempt;
  }

  private exit(open: OpenRun, at: number): void {
    const { run } = open;
    if (run.status !== "running") return;
    run.exitedAt = at;
    if (open.attempt?.status === "failed") {
      run.status = "caught";
      this.emit({ type: "state-failed", at, run, caught: true });
    } else {
      run.status = "succeeded";
      this.emit({ type: "state-succeeded", at, run });
    }
  }

  private end(status: TerminalStatus, details: { error?: string; cause?: string }, at: number): void {
    this.terminal = { status, ...details, at };
    for (const run of this.runs) {
      if (run.status !== "running") continue;
      const attemptFailed = run.attempts.at(-1)?.status === "failed";
      run.status = status === "SUCCEEDED" ? "succeeded" : "failed";
      run.exitedAt = at;
      for (const attempt of run.attempts) {
        if (attempt.status !== "running") continue;
        attempt.status = status === "SUCCEEDED" ? "succeeded" : "failed";
        attempt.endedAt = at;
      }
      if (status !== "SUCCEEDED")
        this.emit({ type: "state-failed", at, run, caught: false, executionStatus: status, attemptFailed });
    }
  }

  /** The run an event belongs to: its predecessor's, else the latest open run of the state it names. */
  private openFor(event: HistoryEvent): OpenRun | undefined {
    const byChain = this.runOfEvent.get(event.previousEventId ?? -1);
    if (byChain) return byChain;
    const name = event.stateExitedEventDetails?.name;
    if (!name) return undefined;
    for (let i = this.runs.length - 1; i >= 0; i--) {
      const run = this.runs[i] as StateRun;
      if (run.name === name && run.status === "running") return { run, ...lastAttempt(run) };
    }
    return undefined;
  }

  /**
   * The failure to blame, walking back from the end of the history: the last
   * failed attempt of a state that never recovered. A Fail state has no task
   * of its own: when a Catch routed there, the caught task is the culprit.
   */
  failure(): Failure | undefined {
    const terminal = this.terminal;
    if (!terminal || terminal.status === "SUCCEEDED") return undefined;
    if (terminal.status !== "FAILED") return this.interrupted();
    let routedTo: string | undefined;
    for (let i = this.marks.length - 1; i >= 0; i--) {
      const mark = this.marks[i] as Mark;
      if (mark.kind === "fail-state") {
        routedTo ??= mark.name;
      } else if (mark.kind === "succeeded") {
        // A success after every later failure: nothing earlier is the culprit.
        break;
      } else {
        const error = mark.error ?? terminal.error;
        const cause = mark.cause ?? terminal.cause;
        return {
          state: mark.run.name,
          ...(error ? { error } : {}),
          ...(cause ? { cause } : {}),
          ...(routedTo ? { routedTo } : {}),
        };
      }
    }
    return this.interrupted(routedTo);
  }

  /** The run a failure names, for the failure details (the last run of that name). */
  runNamed(name: string): StateRun | undefined {
    for (let i = this.runs.length - 1; i >= 0; i--) if (this.runs[i]?.name === name) return this.runs[i];
    return undefined;
  }

  /** TIMED_OUT and ABORTED end whatever state was running; a failed attempt inside it is not the reason. */
  private interrupted(routedTo?: string): Failure {
    const terminal = this.terminal;
    const running = [...this.runs].reverse().find((run) => run.status === "failed");
    const state = routedTo ?? running?.name ?? "(no state had started)";
    const error = terminal?.error ?? (terminal?.status === "TIMED_OUT" ? "States.Timeout" : undefined);
    return { state, ...(error ? { error } : {}), ...(terminal?.cause ? { cause: terminal.cause } : {}) };
  }
}

function lastAttempt(run: StateRun): { attempt?: Attempt } {
  const attempt = run.attempts[run.attempts.length - 1];
  return attempt ? { attempt } : {};
}

/** Error and cause of a failure event; a Batch job's Environment values in the cause are masked here, at the source. */
export function failureDetails(event: HistoryEvent): { error?: string; cause?: string } {
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
  if (details && "error" in details && details.error) out.error = sanitizeAwsValue(details.error);
  if (details && "cause" in details && details.cause) out.cause = sanitizeAwsValue(details.cause);
  return out;
}

/** What the TaskSubmitted output adds to the attempt's task, by its kind (the resource's). */
function submittedTask(run: StateRun | undefined, output: string | undefined): TaskRef | undefined {
  const kind = kindOfResource(run?.resource);
  const parsed = output ? parseJsonObject(output) : undefined;
  if (!kind || !parsed) return undefined;
  return { kind: kind.id, ...kind.submitted(parsed) };
}

/** What the TaskSucceeded output adds (a synchronous call's request id), for kinds that read it. */
function succeededTask(run: StateRun, output: string | undefined): Partial<TaskRef> | undefined {
  const kind = kindOfResource(run.resource);
  const parsed = output && kind?.succeeded ? parseJsonObject(output) : undefined;
  return parsed ? kind?.succeeded?.(parsed) : undefined;
}

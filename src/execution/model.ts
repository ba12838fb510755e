/**
 * The execution core's vocabulary: what an execution is made of as batchinf
 * follows it (state runs, attempts, the task each attempt submitted), the
 * typed events the core emits, and the outcome it returns. The core prints
 * nothing; reporters (text log, JSON log, result file, JUnit, HTML) turn these
 * into output. All times are epoch milliseconds.
 */

import type { LogLine, TaskFailure, TaskRef } from "../tasks/types.js";
import type { AttemptUsage, Usage } from "../usage/usage.js";
import type { PreflightReport } from "./preflight.js";

// What a task is, whatever its kind, is the task kinds' vocabulary (src/tasks/).
export type { LogLine, LogSource, TaskFailure, TaskRef } from "../tasks/types.js";

export type TerminalStatus = "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

/** One attempt of a Task state: a Retry gives one attempt per try. */
export interface Attempt {
  /** 1-based. */
  number: number;
  /** TaskScheduled. */
  startedAt: number;
  endedAt?: number;
  status: "running" | "succeeded" | "failed";
  error?: string;
  cause?: string;
  task?: TaskRef;
  /** What it used, from the job document its `.sync` integration put in the history. */
  usage?: AttemptUsage;
}

/** One run of a state (a state inside a Map runs many times). */
export interface StateRun {
  name: string;
  /** From the StateEntered event: Task, Pass, Map, Parallel, Choice, Wait, Succeed, Fail. */
  kind: string;
  /** The Task's resource (TaskScheduled), e.g. `arn:aws:states:::glue:startJobRun.sync`. */
  resource?: string;
  enteredAt: number;
  exitedAt?: number;
  /** `caught`: an attempt failed and a Catch moved on; `failed`: the execution ended inside it or it failed. */
  status: "running" | "succeeded" | "failed" | "caught";
  attempts: Attempt[];
}

/** The state to blame, and why. */
export interface Failure {
  state: string;
  error?: string;
  cause?: string;
  /** The Fail state a Catch routed the failure to, if any. */
  routedTo?: string;
  task?: TaskFailure;
}

/**
 * How following (or not following) one execution ended. The exit code and the
 * result are pure functions of this (see ./exit-code.ts).
 */
export type Outcome =
  /** `run --dry-run`: everything but the start. */
  | { kind: "dry-run" }
  /** `--no-wait`: started (or attached/redriven), not followed. */
  | { kind: "started" }
  /** The execution reached a terminal status while followed, or was found already ended under the same name. */
  | { kind: "ended"; status: TerminalStatus; foundEnded?: boolean }
  | { kind: "timeout"; stopped: boolean }
  /** SIGINT/SIGTERM; `stopped` only when ABORTED was confirmed; `started` false when it came before any start. */
  | {
      kind: "interrupted";
      signal: "SIGINT" | "SIGTERM";
      action: "stop" | "detach";
      stopped: boolean;
      started: boolean;
    }
  /** Anything thrown: bad input (2), AWS or the environment (3). */
  | { kind: "error"; error: unknown }
  /** backfill --fail-fast: never started because an earlier date failed (that date carries the exit code). */
  | { kind: "not-started"; because: "fail-fast" | "timeout" };

/** What the state machine's last successful runs say to expect of this one (--history). */
export interface Expected {
  /** Successful runs the medians come from. */
  basedOn: number;
  /** The run's median duration, ms. */
  medianMs?: number;
  /** When this run should end: its start plus the median (none for a redriven run, or with fewer than 3 runs). */
  endAt?: number;
  /** Each state's median duration, ms, by name. */
  states: Record<string, number>;
  /** Why there is no estimate, when there is none. */
  note?: string;
}

/** --stuck-after: a task found waiting for capacity too long, and whether batchinf stopped the execution for it. */
export interface Stuck {
  state: string;
  /** The task kind's id and the job's id. */
  kind: string;
  id: string;
  status: string;
  statusReason?: string;
  /** How long it had waited when last seen, ms. */
  waitedMs: number;
  /** The warning, as the log said it. */
  message: string;
  /** --on-stuck stop: the execution was stopped for it. */
  stopped: boolean;
}

/** Everything known about one execution, for the result file, JUnit and HTML. Built from the events. */
export interface ExecutionReport {
  /** backfill: the date (YYYY-MM-DD); run/wait: undefined. */
  label?: string;
  executionArn?: string;
  name?: string;
  /** The unqualified state machine ARN. */
  stateMachineArn?: string;
  /** The version that ran, and the alias it was started through, when qualified. */
  version?: string;
  alias?: string;
  /**
   * Step Functions' status, or batchinf's view: NOT_STARTED, STARTING (StartExecution sent, not
   * answered: possibly started), UNKNOWN, RUNNING when batchinf stopped watching first.
   */
  status: string;
  startedAt?: number;
  stoppedAt?: number;
  consoleUrl?: string;
  states: StateRun[];
  /** Top-level state names of the definition, in order, when known: those never run are "skipped". */
  definitionStates?: string[];
  failure?: Failure;
  input?: unknown;
  output?: unknown;
  /** The execution's own error and cause (DescribeExecution). */
  error?: string;
  cause?: string;
  outcome: Outcome;
  /**
   * How batchinf came to this execution: started it, attached to it running,
   * redrove it, or found it already ended under the same name (what a rerun
   * of the same build found).
   */
  start?: "started" | "attached" | "redriven" | "found-ended";
  /** How the history was read: events applied, events fetched (overlap included), calls. */
  history?: { events: number; fetched: number; calls: number };
  /** What preflight found before the start (backfill: the same report for every date). */
  preflight?: PreflightReport;
  /** --stuck-after: the last task found stuck (with --on-stuck stop, the reason the execution was stopped). */
  stuck?: Stuck;
  /** --history: the medians of the last successful runs, and when this one should end. */
  expected?: Expected;
  /** What the execution used (Glue DPU-hours, Batch vCPU- and GiB-hours, state transitions), from its history. */
  usage?: Usage;
}

/** Typed events, in the order they happen. `at` is the clock's time when emitted (or the event's own). */
export type ExecutionEvent =
  | { type: "starting"; at: number; name: string; stateMachineArn: string; version?: string; alias?: string }
  | {
      type: "started" | "attached" | "redriven";
      at: number;
      executionArn: string;
      name: string;
      startedAt: number;
      consoleUrl?: string;
      /** attached: the status found (RUNNING, PENDING_REDRIVE). */
      status?: string;
    }
  /** Same name, same input, already ended: reported, not started. `hint` says how to go on when it failed. */
  | {
      type: "found-ended";
      at: number;
      executionArn: string;
      name: string;
      status: TerminalStatus;
      hint?: string;
      consoleUrl?: string;
    }
  /** StartExecution is about to be sent: the ARN it will have is known (the result file names it first). */
  | { type: "start-sending"; at: number; executionArn: string; name: string }
  | { type: "dry-run"; at: number; name: string; stateMachineArn: string }
  | { type: "state-entered"; at: number; run: StateRun }
  | { type: "task-submitted"; at: number; run: StateRun; task: TaskRef }
  /** An attempt failed; `retrying` when a Retry schedules another (seen on the next TaskScheduled). */
  | { type: "attempt-failed"; at: number; run: StateRun; attempt: Attempt }
  | { type: "state-retried"; at: number; run: StateRun; attempt: Attempt }
  /** `medianMs`: the state's median over the last successful runs (--history), when known. */
  | { type: "state-succeeded"; at: number; run: StateRun; medianMs?: number }
  /**
   * A state that did not succeed: `caught` when a Catch moved on; else the
   * execution ended in it (`executionStatus`), its last attempt failed with
   * no retry after it (`attemptFailed`) or still running.
   */
  | {
      type: "state-failed";
      at: number;
      run: StateRun;
      caught: boolean;
      executionStatus?: TerminalStatus;
      attemptFailed?: boolean;
    }
  | { type: "execution-redriven"; at: number }
  /** A poll failed in a way that is absorbed; the loop tries again. */
  | {
      type: "poll-retry";
      at: number;
      operation: string;
      error: string;
      throttled: boolean;
      retryInMs: number;
    }
  | { type: "timeout"; at: number; limitMs: number; stopping: boolean }
  | {
      type: "interrupted";
      at: number;
      signal: "SIGINT" | "SIGTERM";
      action: "stop" | "detach";
      started: boolean;
    }
  | { type: "stop-sent"; at: number; reason: string }
  | { type: "stop-result"; at: number; confirmed: boolean; status?: string; error?: string }
  | { type: "failure"; at: number; failure: Failure }
  /** --follow-logs: new lines of a running task's log. */
  | { type: "task-log"; at: number; state: string; lines: LogLine[] }
  | { type: "notice"; at: number; level: "debug" | "info" | "warn" | "error"; message: string }
  | { type: "ended"; at: number; report: ExecutionReport };

export type ExecutionEventType = ExecutionEvent["type"];

/**
 * Turns events into output. `label` tells executions apart when several share
 * one log (backfill: the date). `close` runs once at the end, in every ending,
 * with the final reports; it writes files (result, JUnit, HTML).
 */
export interface Reporter {
  onEvent(event: ExecutionEvent, label: string | undefined): void;
  /** Wait until what `onEvent` wrote early is on disk. */
  flush?(): Promise<void>;
  close?(reports: readonly ExecutionReport[]): Promise<void>;
}

export type Emit = (event: ExecutionEvent) => void;

import type { BatchClient } from "@aws-sdk/client-batch";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { LogsModule } from "../aws/load-logs.js";
import type { PreflightCalls } from "../aws/preflight-calls.js";
import type { KindPreflight } from "../execution/preflight.js";
import type { AttemptUsage, UsageMeter } from "../usage/usage.js";
import type { AttemptFacts, LogSource, TaskFailure, TaskRef } from "./types.js";

/**
 * A task kind: one Step Functions service integration batchinf knows by name
 * (a Glue job run, a Batch job, a Lambda invocation). Everything kind-specific
 * lives in the kind's module (./glue.ts, ./batch.ts, ./lambda.ts), listed once
 * in ./registry.ts; the execution core and the reports ask the registry and
 * never name a kind. A Task state whose resource no kind matches is a generic
 * task: its state name, error and cause, never a guess at its kind.
 *
 * Adding a kind: a module that implements this interface and a line in the
 * registry; the compiler names any member it forgot.
 */
export interface TaskKind<Cause extends KindCause = KindCause> {
  /** Stable: stored in results (`failure.task.kind`) and JSON logs. */
  readonly id: string;
  readonly labels: TaskLabels;

  /** Whether this kind runs a Task state's `Resource` (as TaskScheduled or LambdaFunctionScheduled names it). */
  matches(resource: string): boolean;

  /** What the Task's TaskScheduled `Parameters` (or a legacy resource) say of the work before it runs. */
  scheduled(parameters: Record<string, unknown> | undefined, resource: string): Omit<TaskRef, "kind">;
  /** What the TaskSubmitted output adds (a run or job id); undefined when it is not this kind's. */
  submitted(output: Record<string, unknown>): Omit<TaskRef, "kind"> | undefined;
  /** What the TaskSucceeded output adds (the request id of a synchronous call); optional. */
  succeeded?(output: Record<string, unknown>): Omit<TaskRef, "kind"> | undefined;

  /** A failure cause (parsed JSON) of this kind's shape, typed; undefined when it has another shape. */
  parseCause(cause: Record<string, unknown>): Cause | undefined;
  /** The lines a cause of this kind is summed up in, above the cause itself. */
  causeHeadline(cause: Cause): string[];

  /**
   * What a person would open the console for, for one failed attempt: which
   * run, job or invocation, its status and why, links, and where its log is
   * (`logSources`). `cause` is the attempt's cause when it has this kind's shape.
   */
  describeFailure(attempt: AttemptFacts, cause: Cause | undefined, region: string): TaskFailure;
  /** The failure's headline and detail lines for the build log (links, log and warnings are added by the caller). */
  failureLines(failure: TaskFailure): string[];
  /** The failure's details as label/value pairs for the HTML report (empty values are left out by the caller). */
  failureDetails(failure: TaskFailure): Array<[label: string, value: string | number | undefined]>;

  /** `--follow-logs`: where a running attempt logs, or how to find out, or why it cannot be followed. */
  follow(state: string, attempt: AttemptFacts, clients: TaskClients): FollowPlan;

  /**
   * Before a run (`batchinf preflight`, `--preflight`): from a Task's resolved
   * parameters, the resources it needs with a check of each, and the IAM
   * actions the state machine's role needs on them.
   */
  readonly preflight: KindPreflight<PreflightCalls>;
  /**
   * --stuck-after: how this kind's work can wait for capacity instead of
   * running: the statuses that mean it (Batch RUNNABLE, Glue WAITING/STARTING)
   * and the API that reports them; a kind that cannot be stuck leaves it out.
   */
  readonly waiting?: WaitingStatuses;
  /** What this kind's work uses, in units it declares (priced by --prices under their keys); a kind that reports no size leaves it out. */
  readonly usage?: KindUsage;
  /** How long the work behind `resource` usually runs, for the poll schedule (most kinds: `integrationPollHint`). */
  pollHint(resource: string): PollHint;
}

/** How a kind measures what its attempts used. */
export interface KindUsage {
  /** Its name, count and units, as the log, the result file and --prices show them. */
  meter: UsageMeter;
  /** What one attempt used, from the job document its `.sync` integration put in the history (TaskSucceeded's output, a failure's cause). */
  read(document: Record<string, unknown>): AttemptUsage | undefined;
}

/** The calls that read a waiting task's status (--stuck-after). */
export const DESCRIBE_JOBS = "batch:DescribeJobs";
export const GET_JOB_RUN = "glue:GetJobRun";

/** How a kind's work is seen waiting for capacity (--stuck-after). */
export interface WaitingStatuses {
  statuses: readonly string[];
  /** The call that reads the status: DescribeJobs (100 ids a call) or GetJobRun (one run a call). */
  readBy: typeof DESCRIBE_JOBS | typeof GET_JOB_RUN;
}

/**
 * How long a running task's work usually takes, for the poll schedule:
 * `minutes` for a job the state starts and waits for, `seconds` for a call
 * that answers at once.
 */
export type PollHint = "minutes" | "seconds";

/**
 * The hint any integration's resource gives: a `.sync` integration starts a
 * job and waits for it to finish, a `.waitForTaskToken` one waits for a
 * callback (minutes); a request-response call answers at once (seconds).
 */
export function integrationPollHint(resource: string): PollHint {
  return /\.(sync(:\d+)?|waitForTaskToken)$/.test(resource) ? "minutes" : "seconds";
}

/** Words for a kind, as someone who never opened the Step Functions console reads them. */
export interface TaskLabels {
  /** What a step of this kind is: "Glue job". */
  step: string;
  /** One unit of work it submits: "Glue job run", "Batch job", "Lambda invocation". */
  task: string;
  /** The report's title for a failed one: "The failed Glue job run". */
  failureTitle: string;
}

/** A cause parsed into a kind's shape: tagged with the kind's id. */
export interface KindCause {
  kind: string;
}

/**
 * The clients a kind may ask, beyond CloudWatch Logs, to find a running
 * task's log: the client, or how to get it (the SDK is loaded on first use).
 */
export interface TaskClients {
  /** AWS Batch, for DescribeJobs: the one API that names a running job's log stream. */
  batch?: BatchClient | (() => Promise<BatchClient>);
}

/** How `--follow-logs` copies a running attempt's log. */
export type FollowPlan =
  /** Copy these streams, every one of them, from their head; one not written yet is asked again later. */
  | { streams: LogSource[] }
  /** Where it logs is known only by asking: the locator is called, within its budget, until it answers. */
  | { locate: Locator }
  /** Not yet (the history has not named the work yet): ask again on a later poll. */
  | { later: true }
  /** It cannot be followed: why, in a sentence naming the state. */
  | { unavailable: string };

export interface Locator {
  /** The task in words, for messages: "Batch job 4e2b...". */
  what: string;
  /** The service asked, as messages name it ("Batch"), and the permission a denial names ("batch:DescribeJobs"). */
  service: string;
  permission: string;
  /** Which budget its calls count against: CloudWatch Logs' own, or the one for the other services. */
  budget: "logs" | "service";
  locate(context: LocateContext): Promise<Located>;
}

export interface LocateContext {
  /** The AWS boundary's log calls (the bundle loaded once a log is read): kinds import no AWS code themselves. */
  api: LogsModule;
  logs: CloudWatchLogsClient;
  clients: TaskClients;
  /** The attempt ended: answer with what can be known now, there is no later. */
  ending: boolean;
  /** Cuts the locator's calls short (the follower's loop ends, the interrupt): required, as every call's. */
  signal: AbortSignal;
}

export type Located =
  | { streams: LogSource[] }
  /** Not yet: ask again after the follower's poll interval. */
  | { notYet: true }
  /** Never: the attempt will not log anywhere batchinf can read; `reason` is said once when given. */
  | { never: true; reason?: string };

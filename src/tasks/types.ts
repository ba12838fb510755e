/**
 * What the execution core and the reports know of a task, whatever its kind:
 * the job, run or invocation an attempt submitted (TaskRef), where its log
 * is (LogSource), and what a person would open the console for when it
 * failed (TaskFailure). Each field says which kinds fill it; a kind is one
 * module of this folder (see ./kind.ts), named by its `id` in `kind`.
 */

/** The AWS work a task attempt submitted: a Glue job run, a Batch job, a Lambda invocation... */
export interface TaskRef {
  /** The id of a registered task kind (./registry.ts). */
  kind: string;
  /** Glue `JobRunId`, Batch `JobId`, Lambda request id: whatever identifies this attempt's work. */
  id?: string;
  /** Glue and Batch: the job's name. */
  jobName?: string;
  /** Lambda: the function's name (never its ARN) and the version or alias it was invoked through. */
  functionName?: string;
  qualifier?: string;
}

/** The facts of one attempt a kind reads to describe or follow it. */
export interface AttemptFacts {
  /** TaskScheduled (epoch ms). */
  startedAt: number;
  endedAt?: number;
  error?: string;
  cause?: string;
  task?: TaskRef;
}

import type { LogLine } from "../aws/logs.js";

/** One line of a CloudWatch Logs stream, as the AWS boundary reads it. */
export type { LogLine };

/** Where a task's log may be: one CloudWatch Logs stream (or, with `prefix`, the streams whose name starts with `stream`). */
export interface LogSource {
  group: string;
  stream: string;
  /** Glue continuous logging: one stream per driver and executor, each named after the run id. */
  prefix?: boolean;
  /**
   * Only the events of this window (epoch ms, both ends included): a Lambda
   * function's stream holds every invocation its execution environment ran.
   * `endMarker`: the line that ends this task's part of the stream.
   */
  window?: { start: number; end?: number; endMarker?: string };
  /**
   * The stream is not known by name: it is the one of `group` holding an
   * event with `phrase` inside `window` (FilterLogEvents), read from that
   * event on (`stream` is then empty). `unique`: several such events mean the
   * stream cannot be told, and nothing is read rather than another's log.
   */
  find?: { phrase: string; unique?: boolean };
}

/** What a person would open the console for: the failed run, job or invocation and its log tail. */
export interface TaskFailure {
  /** The id of a registered task kind (./registry.ts). */
  kind: string;
  /** Glue, Batch: the job's name. */
  jobName?: string;
  /** Lambda: the function's name, and its version or alias when one was named. */
  functionName?: string;
  qualifier?: string;
  /** Glue run id / Batch job id / Lambda request id. */
  id?: string;
  /** Glue JobRunState / Batch Status. */
  status?: string;
  /** Batch StatusReason. */
  statusReason?: string;
  /** Lambda: the error type the function raised (`errorType`). */
  errorType?: string;
  /** Glue ErrorMessage / Lambda errorMessage. */
  errorMessage?: string;
  /** Batch: the last attempt's container exit code and reason. */
  exitCode?: number;
  containerReason?: string;
  links: Array<{ label: string; url: string }>;
  /** Where the log should be, in the order to look (read from the cause); the first with lines is shown. */
  logSources?: LogSource[];
  log?: {
    group: string;
    stream: string;
    lines: LogLine[];
  };
  /** Why the log could not be shown (denied, missing group or stream): said once, never fatal. */
  warnings: string[];
}

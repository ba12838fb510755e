// Seeds the CloudWatch Logs fake with the log of one task attempt of a
// scripted execution: the lines land in the stream the real job would write
// (Glue: stream = the run id TaskSubmitted named; Batch: the stream the
// failure cause names, else the one the Batch fake derives for the job), spread over the attempt's life so a follower sees them
// arrive as the fake clock moves.

import { batchJobsOf } from "./batch.js";
import type { LogsService } from "./logs.js";
import type { SfnService } from "./sfn.js";

export interface SeedTaskLogOptions {
  /** 1-based attempt of the state (a Retry makes several); default the last one scheduled. */
  attempt?: number;
  lines: string[];
  /** Glue default `/aws-glue/jobs/error`; Batch default the cause's `awslogs-group`, else `/aws/batch/job`. */
  group?: string;
  /** Batch: default the cause's last attempt `LogStreamName`, else the stream the Batch fake's DescribeJobs names. */
  stream?: string;
  /** When the attempt has no end yet (still running), spread the lines over this long. Default 60 s. */
  spanMs?: number;
}

export interface SeededTaskLog {
  group: string;
  stream: string;
  /** The run id or job id of the attempt. */
  id: string;
  timestamps: number[];
}

export function seedTaskLog(
  logs: LogsService,
  sfn: SfnService,
  executionArn: string,
  state: string,
  options: SeedTaskLogOptions,
): SeededTaskLog {
  const view = sfn.getExecution(executionArn, Number.POSITIVE_INFINITY);
  if (!view) throw new Error(`seedTaskLog: no execution ${executionArn}`);
  const attempts: Array<{ start: number; end?: number; output?: string; cause?: string }> = [];
  let current: string | undefined;
  for (const event of view.timeline) {
    const entered = event.details.stateEnteredEventDetails as { name?: string } | undefined;
    if (entered?.name) current = entered.name;
    if (current !== state) continue;
    if (event.type === "TaskStarted") attempts.push({ start: event.at });
    const attempt = attempts.at(-1);
    if (!attempt) continue;
    if (event.type === "TaskSubmitted") {
      attempt.output = (event.details.taskSubmittedEventDetails as { output?: string }).output;
    }
    if (event.type === "TaskFailed" || event.type === "TaskSucceeded") {
      attempt.end = event.at;
      attempt.cause = (event.details.taskFailedEventDetails as { cause?: string } | undefined)?.cause;
    }
  }
  const attempt = attempts[(options.attempt ?? attempts.length) - 1];
  if (!attempt?.output)
    throw new Error(`seedTaskLog: ${state} has no attempt ${options.attempt ?? "at all"}`);
  const submitted = JSON.parse(attempt.output) as { JobRunId?: string; JobId?: string };
  const cause = parseJson(attempt.cause);
  let group: string;
  let stream: string;
  const id = submitted.JobRunId ?? submitted.JobId ?? "";
  if (submitted.JobRunId) {
    group = options.group ?? "/aws-glue/jobs/error";
    stream = options.stream ?? submitted.JobRunId;
  } else {
    const container = (cause?.Container ?? {}) as Record<string, unknown>;
    const configured = (container.LogConfiguration as { Options?: Record<string, string> } | undefined)
      ?.Options?.["awslogs-group"];
    const lastAttempt = (
      cause?.Attempts as Array<{ Container?: { LogStreamName?: string } }> | undefined
    )?.at(-1);
    group = options.group ?? configured ?? "/aws/batch/job";
    const named =
      options.stream ??
      lastAttempt?.Container?.LogStreamName ??
      (container.LogStreamName as string | undefined) ??
      batchJobsOf(view).find((job) => job.jobId === id)?.logStreamName;
    if (!named) throw new Error(`seedTaskLog: no log stream known for ${state}; pass options.stream`);
    stream = named;
  }
  const end = attempt.end ?? attempt.start + (options.spanMs ?? 60_000);
  const step = (end - attempt.start) / (options.lines.length + 1);
  const timestamps = options.lines.map((_, i) => Math.round(attempt.start + step * (i + 1)));
  logs.createLogStream(group, stream, attempt.start);
  logs.putLogEvents(
    group,
    stream,
    options.lines.map((message, i) => ({ timestamp: timestamps[i] as number, message: `${message}\n` })),
  );
  return { group, stream, id, timestamps };
}

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

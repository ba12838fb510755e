// Seeds the CloudWatch Logs fake with the log of one task attempt of a
// scripted execution: the lines land in the stream the real job would write
// (Glue: stream = the run id TaskSubmitted named; Batch: the stream the
// failure cause names, else the one the Batch fake derives for the job), spread over the attempt's life so a follower sees them
// arrive as the fake clock moves.

import { batchJobsOf } from "./batch.js";
import type { LogsService } from "./logs.js";
import { lambdaRequestIdOf, type SfnService } from "./sfn.js";

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

export interface SeedLambdaLogOptions {
  /** The function's name: its log group is `/aws/lambda/<function>`. */
  functionName: string;
  /** 1-based attempt of the state; default the last one. */
  attempt?: number;
  lines: string[];
  /** Lines of the invocations the same execution environment ran just before and just after this one. */
  neighbours?: boolean;
  /** Invocations of the same function by others, started at the same moment in other environments. */
  concurrent?: number;
  /** When the attempt has no end yet (still running), spread the lines over this long. Default 20 s. */
  spanMs?: number;
}

/**
 * Seeds `/aws/lambda/<function>` with one invocation's lines as the Lambda
 * runtime writes them: `START RequestId: <id> Version: $LATEST`, the
 * function's own lines, `END RequestId: <id>` and `REPORT RequestId: <id>
 * Duration: ...`, in a stream named `YYYY/MM/DD/[$LATEST]<hex>` (one
 * execution environment, which runs one invocation after another).
 */
export function seedLambdaLog(
  logs: LogsService,
  sfn: SfnService,
  executionArn: string,
  state: string,
  options: SeedLambdaLogOptions,
): { group: string; stream: string; requestId: string; timestamps: number[] } {
  const view = sfn.getExecution(executionArn, Number.POSITIVE_INFINITY);
  if (!view) throw new Error(`seedLambdaLog: no execution ${executionArn}`);
  const attempts: Array<{ start: number; end?: number }> = [];
  let current: string | undefined;
  for (const event of view.timeline) {
    const entered = event.details.stateEnteredEventDetails as { name?: string } | undefined;
    if (entered?.name) current = entered.name;
    if (current !== state) continue;
    if (event.type === "TaskStarted" || event.type === "LambdaFunctionStarted")
      attempts.push({ start: event.at });
    const attempt = attempts.at(-1);
    if (attempt && /^(Task|LambdaFunction)(Succeeded|Failed)$/.test(event.type)) attempt.end = event.at;
  }
  const index = (options.attempt ?? attempts.length) - 1;
  const attempt = attempts[index];
  if (!attempt) throw new Error(`seedLambdaLog: ${state} has no attempt ${options.attempt ?? "at all"}`);
  const requestId = lambdaRequestIdOf(executionArn, state, index);
  const group = `/aws/lambda/${options.functionName}`;
  const day = new Date(attempt.start).toISOString().slice(0, 10).replaceAll("-", "/");
  const stream = `${day}/[$LATEST]${requestId.replaceAll("-", "").slice(0, 32)}`;
  const end = attempt.end ?? attempt.start + (options.spanMs ?? 20_000);
  const step = (end - attempt.start) / (options.lines.length + 3);
  const timestamps = options.lines.map((_, i) => Math.round(attempt.start + step * (i + 2)));
  const invocation = (id: string, at: number, until: number, lines: Array<[number, string]>) => [
    { timestamp: at, message: `START RequestId: ${id} Version: $LATEST\n` },
    ...lines.map(([timestamp, message]) => ({ timestamp, message: `${message}\n` })),
    { timestamp: until, message: `END RequestId: ${id}\n` },
    {
      timestamp: until,
      message: `REPORT RequestId: ${id}\tDuration: ${until - at}.00 ms\tBilled Duration: ${until - at} ms\tMemory Size: 512 MB\tMax Memory Used: 201 MB\n`,
    },
  ];
  const other = (n: number) => lambdaRequestIdOf(executionArn, `${state}-other`, n);
  const events = [
    ...(options.neighbours
      ? invocation(other(1), attempt.start - 4_000, attempt.start - 1_500, [
          [attempt.start - 3_000, "previous invocation"],
        ])
      : []),
    ...invocation(
      requestId,
      Math.round(attempt.start + step),
      Math.round(end - step / 2),
      options.lines.map((line, i) => [timestamps[i] as number, line]),
    ),
    ...(options.neighbours
      ? invocation(other(2), end + 500, end + 2_000, [[end + 1_000, "next invocation"]])
      : []),
  ];
  logs.createLogStream(group, stream, attempt.start - 5_000);
  logs.putLogEvents(group, stream, events);
  for (let n = 0; n < (options.concurrent ?? 0); n += 1) {
    const id = other(10 + n);
    const name = `${day}/[$LATEST]${id.replaceAll("-", "").slice(0, 32)}`;
    logs.createLogStream(group, name, attempt.start);
    logs.putLogEvents(
      group,
      name,
      invocation(id, Math.round(attempt.start + step), end, [[end - 1, "someone else's"]]),
    );
  }
  return { group, stream, requestId, timestamps };
}

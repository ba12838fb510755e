import type { Attempt, LogSource, StateRun, TaskFailure } from "../execution/model.js";
import { type BatchJobCause, type GlueRunCause, parseCause } from "./cause.js";
import { batchJobLink, glueRunLink, logStreamLink } from "./links.js";

export const GLUE_DEFAULT_LOG_GROUP = "/aws-glue/jobs";
export const GLUE_CONTINUOUS_LOG_GROUP = "/aws-glue/jobs/logs-v2";
export const BATCH_DEFAULT_LOG_GROUP = "/aws/batch/job";

/** `arn:aws:states:::glue:startJobRun`, `...startJobRun.sync`, `.sync:2` and the same for Batch submitJob. */
export function taskKindOf(resource: string | undefined): "glue" | "batch" | undefined {
  const match =
    /^arn:aws[a-z-]*:states:::(glue:startJobRun|batch:submitJob)(\.sync(:2)?|\.waitForTaskToken)?$/.exec(
      resource ?? "",
    );
  if (!match) return undefined;
  return match[1] === "glue:startJobRun" ? "glue" : "batch";
}

/**
 * What a person would open the console for, for one failed attempt of a Glue
 * or Batch task state: which run or job, its status and why, links, and where
 * its log is (`logSources`, read by fetchLogTail). Pass the attempt that failed
 * terminally: with a Retry each attempt is its own run, and only this one's
 * cause and TaskSubmitted output name the run whose log explains the failure.
 * The cause (the `.sync` job document) wins over the TaskSubmitted output where
 * both speak; without a cause (a task timeout) the TaskSubmitted ids still
 * locate a Glue run's log. Undefined for any other kind of state.
 */
export function taskFailureOf(run: StateRun, attempt: Attempt, region: string): TaskFailure | undefined {
  const kind = taskKindOf(run.resource) ?? attempt.task?.kind;
  if (!kind) return undefined;
  const parsed = parseCause(attempt.cause);
  if (kind === "glue") return glueFailure(attempt, parsed?.kind === "glue" ? parsed : undefined, region);
  return batchFailure(attempt, parsed?.kind === "batch" ? parsed : undefined, region);
}

function glueFailure(attempt: Attempt, cause: GlueRunCause | undefined, region: string): TaskFailure {
  const id = cause?.runId ?? attempt.task?.id;
  const jobName = cause?.jobName ?? attempt.task?.jobName;
  const failure: TaskFailure = { kind: "glue", links: [], warnings: [] };
  if (jobName) failure.jobName = jobName;
  if (id) failure.id = id;
  if (cause?.state) failure.status = cause.state;
  if (cause?.errorMessage) failure.errorMessage = cause.errorMessage;
  if (jobName && id) addLink(failure, "job run", glueRunLink(region, jobName, id));
  if (!id) {
    failure.warnings.push(
      "the Glue run id is unknown (no TaskSubmitted output, no cause), so its log cannot be found",
    );
    return failure;
  }
  const base = cause?.logGroupName ?? GLUE_DEFAULT_LOG_GROUP;
  const args = cause?.arguments ?? {};
  const sources: LogSource[] = [
    { group: `${base}/error`, stream: id },
    { group: `${base}/output`, stream: id },
    // Continuous logging: one stream per driver and executor, each starting with the run id.
    {
      group: args["--continuous-log-logGroup"] ?? GLUE_CONTINUOUS_LOG_GROUP,
      stream: `${args["--continuous-log-logStreamPrefix"] ?? ""}${id}`,
      prefix: true,
    },
  ];
  failure.logSources = sources;
  addLink(failure, "log", logStreamLink(region, `${base}/error`, id));
  return failure;
}

function batchFailure(attempt: Attempt, cause: BatchJobCause | undefined, region: string): TaskFailure {
  const id = cause?.jobId ?? attempt.task?.id;
  const jobName = cause?.jobName ?? attempt.task?.jobName;
  const failure: TaskFailure = { kind: "batch", links: [], warnings: [] };
  if (jobName) failure.jobName = jobName;
  if (id) failure.id = id;
  if (cause?.status) failure.status = cause.status;
  if (cause?.statusReason) failure.statusReason = cause.statusReason;
  // The last attempt is the one that ended the job; the job-level Container mirrors it.
  const last = cause?.attempts.at(-1);
  const exitCode = last?.exitCode ?? cause?.container.exitCode;
  const reason = last?.reason ?? cause?.container.reason;
  if (exitCode !== undefined) failure.exitCode = exitCode;
  if (reason) failure.containerReason = reason;
  if (id) addLink(failure, "job", batchJobLink(region, id));
  if (!cause) {
    failure.warnings.push("the failure carries no Batch job details, so the job's log stream is unknown");
    return failure;
  }
  const driver = cause.container.logDriver;
  if (driver !== undefined && driver !== "awslogs") {
    failure.warnings.push(`the job logs with the ${driver} log driver, not to CloudWatch Logs`);
    return failure;
  }
  const stream = last?.logStreamName ?? cause.container.logStreamName;
  if (!stream) {
    // A stream is named when a container reaches RUNNING; a job that failed before has none.
    failure.warnings.push("the job has no log stream: its container never reached RUNNING");
    return failure;
  }
  const group = cause.container.logGroup ?? BATCH_DEFAULT_LOG_GROUP;
  failure.logSources = [{ group, stream }];
  addLink(failure, "log", logStreamLink(region, group, stream));
  return failure;
}

function addLink(failure: TaskFailure, label: string, url: string | undefined): void {
  if (url) failure.links.push({ label, url });
}

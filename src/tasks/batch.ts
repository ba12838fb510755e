import { batchPreflight } from "./batch-preflight.js";
import { batchUsage } from "./batch-usage.js";
import { dropUndefined, int, isRecord, str } from "./fields.js";
import { DESCRIBE_JOBS, integrationPollHint, type KindCause, type TaskKind } from "./kind.js";
import { addLink, consoleBase, logStreamLink } from "./links.js";
import type { TaskFailure } from "./types.js";

/** Where a Batch container logs unless its job definition names an `awslogs-group`. */
export const BATCH_DEFAULT_LOG_GROUP = "/aws/batch/job";

export interface BatchAttemptCause {
  exitCode?: number;
  reason?: string;
  logStreamName?: string;
  statusReason?: string;
}

/**
 * A failed `.sync` Batch task's cause: the DescribeJobs job, PascalCase
 * (`JobId`, `Status`, `StatusReason`, `Attempts[].Container`, `Container`).
 */
export interface BatchJobCause extends KindCause {
  kind: "batch";
  jobId?: string;
  jobName?: string;
  jobArn?: string;
  jobDefinition?: string;
  status?: string;
  statusReason?: string;
  attempts: BatchAttemptCause[];
  container: {
    exitCode?: number;
    reason?: string;
    logStreamName?: string;
    /** `LogConfiguration.LogDriver`; undefined means the default, awslogs. */
    logDriver?: string;
    /** `LogConfiguration.Options["awslogs-group"]`. */
    logGroup?: string;
    /** Names only: the values are never kept. */
    environmentNames: string[];
  };
}

/** `arn:aws:states:::batch:submitJob`, `.sync`, `.waitForTaskToken`. */
const RESOURCE = /^arn:aws[a-z-]*:states:::batch:submitJob(\.sync(:2)?|\.waitForTaskToken)?$/;

/** Batch job states after which no container will start: a job that names no stream by then never logs. */
const JOB_ENDED = new Set(["SUCCEEDED", "FAILED"]);

export const batch: TaskKind<BatchJobCause> = {
  id: "batch",
  waiting: { statuses: ["RUNNABLE"], readBy: DESCRIBE_JOBS },
  usage: batchUsage,
  labels: { step: "Batch job", task: "Batch job", failureTitle: "The failed Batch job" },
  preflight: batchPreflight,

  matches: (resource) => RESOURCE.test(resource),
  pollHint: integrationPollHint,

  scheduled(parameters) {
    const jobName = str(parameters?.JobName);
    return jobName ? { jobName } : {};
  },

  // SubmitJob answers `JobId` and `JobName`.
  submitted(output) {
    const id = str(output.JobId);
    if (!id) return undefined;
    const jobName = str(output.JobName);
    return { id, ...(jobName ? { jobName } : {}) };
  },

  parseCause(job) {
    if (str(job.JobId) === undefined || (str(job.Status) === undefined && !Array.isArray(job.Attempts)))
      return undefined;
    const container = isRecord(job.Container) ? job.Container : {};
    const logConfiguration = isRecord(container.LogConfiguration) ? container.LogConfiguration : {};
    const options = isRecord(logConfiguration.Options) ? logConfiguration.Options : {};
    const attempts = (Array.isArray(job.Attempts) ? job.Attempts : []).filter(isRecord).map((attempt) => {
      const c = isRecord(attempt.Container) ? attempt.Container : {};
      return dropUndefined({
        exitCode: int(c.ExitCode),
        reason: str(c.Reason),
        logStreamName: str(c.LogStreamName),
        statusReason: str(attempt.StatusReason),
      });
    });
    const environment = Array.isArray(container.Environment) ? container.Environment : [];
    return dropUndefined({
      kind: "batch" as const,
      jobId: str(job.JobId),
      jobName: str(job.JobName),
      jobArn: str(job.JobArn),
      jobDefinition: str(job.JobDefinition),
      status: str(job.Status),
      statusReason: str(job.StatusReason),
      attempts,
      container: dropUndefined({
        exitCode: int(container.ExitCode),
        reason: str(container.Reason),
        logStreamName: str(container.LogStreamName),
        logDriver: str(logConfiguration.LogDriver),
        logGroup: str(options["awslogs-group"]),
        environmentNames: environment.filter(isRecord).flatMap((e) => str(e.Name) ?? str(e.name) ?? []),
      }),
    });
  },

  causeHeadline(job) {
    const last = job.attempts.at(-1);
    const exitCode = last?.exitCode ?? job.container.exitCode;
    const reason = last?.reason ?? job.container.reason;
    const logStream = last?.logStreamName ?? job.container.logStreamName;
    const tries = job.attempts.length > 1 ? ` after ${job.attempts.length} attempts` : "";
    return [
      `Batch job ${job.jobName ?? "?"} (${job.jobId ?? "?"}): ${job.status ?? "?"}${exitCode !== undefined ? `, exit code ${exitCode}` : ""}${tries}`,
      ...(job.statusReason ? [`  status reason: ${job.statusReason}`] : []),
      ...(reason ? [`  container reason: ${reason}`] : []),
      ...(logStream ? [`  log stream: ${logStream}`] : []),
    ];
  },

  describeFailure(attempt, cause, region) {
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
  },

  failureLines(failure) {
    const lines = [
      `Batch job ${failure.jobName ?? "?"}, id ${failure.id ?? "?"}${failure.status ? `: ${failure.status}` : ""}`,
    ];
    if (failure.statusReason) lines.push(`  status reason: ${failure.statusReason}`);
    const container = [
      ...(failure.exitCode !== undefined ? [`exit code ${failure.exitCode}`] : []),
      ...(failure.containerReason ? [`container reason: ${failure.containerReason}`] : []),
    ];
    if (container.length) lines.push(`  last attempt: ${container.join(", ")}`);
    return lines;
  },

  failureDetails: (failure) => [
    ["Batch job", failure.jobName],
    ["Job id", failure.id],
    ["Status", failure.status],
    ["Status reason", failure.statusReason],
    ["Exit code", failure.exitCode],
    ["Container reason", failure.containerReason],
  ],

  /**
   * The history names a Batch job's stream only in its failure cause; while
   * it runs, its stream (`<jobDefinition>/default/<ecsTaskId>`) is known to
   * batch:DescribeJobs alone (listing `<jobDefinition>/default/` streams
   * cannot tell this job's from every other run of the definition).
   */
  follow(state, attempt, clients) {
    const id = attempt.task?.id;
    const client = clients.batch;
    // TaskSubmitted names the job; until then there is nothing to ask about.
    if (!id) return { later: true };
    if (!client)
      return {
        unavailable: `the log of ${state} (Batch job ${id}) cannot be followed: its stream is known only once the job has ended`,
      };
    return {
      locate: {
        what: `Batch job ${id}`,
        service: "Batch",
        permission: "batch:DescribeJobs",
        budget: "service",
        async locate({ api, signal, ending }) {
          const job = await api.describeBatchJobLog(
            typeof client === "function" ? await client() : client,
            id,
            signal,
          );
          if (job.logStreamName) {
            return {
              streams: [{ group: job.logGroup ?? BATCH_DEFAULT_LOG_GROUP, stream: job.logStreamName }],
            };
          }
          if (job.status === "RUNNING") {
            // Batch names the stream from RUNNING on; none means the container logs elsewhere.
            return {
              never: true,
              reason: `the log of ${state} (Batch job ${id}) cannot be followed: DescribeJobs names no CloudWatch Logs stream for it (log driver ${job.logDriver ?? "unknown"})`,
            };
          }
          // Ended without a container ever running (cancelled, or failed to start), or the task ended first.
          if (JOB_ENDED.has(job.status) || ending) return { never: true };
          return { notYet: true };
        },
      },
    };
  },
};

export function batchJobLink(region: string, jobId: string): string | undefined {
  const base = consoleBase(region);
  return base && `${base}/batch/home?region=${region}#jobs/detail/${jobId}`;
}

import { dropUndefined, isRecord, str } from "./fields.js";
import { gluePreflight } from "./glue-preflight.js";
import { glueUsage } from "./glue-usage.js";
import { GET_JOB_RUN, integrationPollHint, type KindCause, type TaskKind } from "./kind.js";
import { addLink, consoleBase, logStreamLink } from "./links.js";
import type { LogSource, TaskFailure } from "./types.js";

/** Where Glue writes a run's log unless the job names another group. */
export const GLUE_DEFAULT_LOG_GROUP = "/aws-glue/jobs";
export const GLUE_CONTINUOUS_LOG_GROUP = "/aws-glue/jobs/logs-v2";

/**
 * A failed `.sync` Glue task's cause: the GetJobRun `JobRun`, PascalCase
 * (`Id`, `JobRunState`, `ErrorMessage`, `LogGroupName`, `Arguments`).
 */
export interface GlueRunCause extends KindCause {
  kind: "glue";
  runId?: string;
  jobName?: string;
  /** JobRunState: FAILED, TIMEOUT, ERROR, STOPPED... */
  state?: string;
  errorMessage?: string;
  /** The run's log group base; `/error` and `/output` are appended. Default `/aws-glue/jobs`. */
  logGroupName?: string;
  attempt?: number;
  previousRunId?: string;
  /** The run's arguments (those given to this run, not the job's defaults). */
  arguments: Record<string, string>;
}

/** `arn:aws:states:::glue:startJobRun`, `.sync`, `.sync:2`, `.waitForTaskToken`. */
const RESOURCE = /^arn:aws[a-z-]*:states:::glue:startJobRun(\.sync(:2)?|\.waitForTaskToken)?$/;

export const glue: TaskKind<GlueRunCause> = {
  id: "glue",
  waiting: { statuses: ["WAITING", "STARTING"], readBy: GET_JOB_RUN },
  usage: glueUsage,
  labels: { step: "Glue job", task: "Glue job run", failureTitle: "The failed Glue job run" },
  preflight: gluePreflight,

  matches: (resource) => RESOURCE.test(resource),
  pollHint: integrationPollHint,

  scheduled(parameters) {
    const jobName = str(parameters?.JobName);
    return jobName ? { jobName } : {};
  },

  // StartJobRun answers `JobRunId`.
  submitted(output) {
    const id = str(output.JobRunId);
    return id ? { id } : undefined;
  },

  parseCause(job) {
    // StartJobRun's response says `JobRunId`; the JobRun the `.sync` poll returns says `Id`.
    const runId = str(job.Id) ?? str(job.JobRunId);
    if (!runId?.startsWith("jr_") && str(job.JobRunState) === undefined) return undefined;
    return dropUndefined({
      kind: "glue" as const,
      runId,
      jobName: str(job.JobName),
      state: str(job.JobRunState),
      errorMessage: str(job.ErrorMessage),
      logGroupName: str(job.LogGroupName),
      attempt: typeof job.Attempt === "number" ? job.Attempt : undefined,
      previousRunId: str(job.PreviousRunId),
      arguments: stringArguments(job.Arguments),
    });
  },

  causeHeadline: (run) => [
    `Glue job ${run.jobName ?? "?"} run ${run.runId ?? "?"}: ${run.state ?? "?"}`,
    ...(run.errorMessage ? [`  ${run.errorMessage}`] : []),
  ],

  /**
   * The cause (the `.sync` JobRun) wins over the TaskSubmitted output where
   * both speak; without a cause (a task timeout) the TaskSubmitted run id
   * still locates the log.
   */
  describeFailure(attempt, cause, region) {
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
    failure.logSources = runLogSources(id, base, cause?.arguments ?? {});
    addLink(failure, "log", logStreamLink(region, `${base}/error`, id));
    return failure;
  },

  failureLines(failure) {
    const lines = [
      `Glue job ${failure.jobName ?? "?"}, run ${failure.id ?? "?"}${failure.status ? `: ${failure.status}` : ""}`,
    ];
    if (failure.errorMessage) lines.push(`  error message: ${failure.errorMessage}`);
    return lines;
  },

  failureDetails: (failure) => [
    ["Glue job", failure.jobName],
    ["Run id", failure.id],
    ["Status", failure.status],
    ["Error message", failure.errorMessage],
  ],

  /**
   * A running run logs to the stream named by its run id in `/error` (the
   * driver's stderr, where Spark and Python logging go) and `/output` (its
   * stdout), and with continuous logging in its own group too: all followed.
   */
  follow(_state, attempt) {
    const id = attempt.task?.id;
    // TaskSubmitted names the run; until then there is nothing to read.
    if (!id) return { later: true };
    return {
      streams: runLogSources(id, GLUE_DEFAULT_LOG_GROUP, {}).map(({ prefix: _, ...source }) => source),
    };
  },
};

/** `/error`, then `/output`, then continuous logging's streams (each starting with the run id). */
function runLogSources(id: string, base: string, args: Record<string, string>): LogSource[] {
  return [
    { group: `${base}/error`, stream: id },
    { group: `${base}/output`, stream: id },
    {
      group: args["--continuous-log-logGroup"] ?? GLUE_CONTINUOUS_LOG_GROUP,
      stream: `${args["--continuous-log-logStreamPrefix"] ?? ""}${id}`,
      prefix: true,
    },
  ];
}

function stringArguments(value: unknown): Record<string, string> {
  const args: Record<string, string> = {};
  if (isRecord(value))
    for (const [key, item] of Object.entries(value)) if (typeof item === "string") args[key] = item;
  return args;
}

export function glueRunLink(region: string, jobName: string, runId: string): string | undefined {
  const base = consoleBase(region);
  return base && `${base}/gluestudio/home?region=${region}#/job/${encodeURIComponent(jobName)}/run/${runId}`;
}

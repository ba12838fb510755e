// ExecutionReports as the execution core builds them, for the report
// renderers' tests: the batch-inference pipeline (five Glue jobs, then the
// Batch job) succeeding, failing after a retried step, timing out, aborted, a
// backfill of dates, and a long report. Times, ids and causes are shaped like
// the real ones (see test/fake-aws/sfn-scenarios.ts for the causes).

import fc from "fast-check";
import type { Attempt, ExecutionReport, Outcome, StateRun, TaskFailure } from "../../src/execution/model.js";
import {
  glueFailureCause,
  PIPELINE_BATCH_JOB,
  PIPELINE_BATCH_STATE,
  PIPELINE_GLUE_JOBS,
} from "../fake-aws/sfn-scenarios.js";

export const REGION = "ap-south-1";
export const ACCOUNT = "731580992380";
export const STATE_MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:dcp-batch-inference`;
export const GLUE_RESOURCE = "arn:aws:states:::glue:startJobRun.sync";
export const BATCH_RESOURCE = "arn:aws:states:::batch:submitJob.sync";
/** 2023-10-14T06:00:00Z: a nightly run. */
export const T0 = Date.UTC(2023, 9, 14, 6, 0, 0);

/** The pipeline's top-level states in definition order. */
export const PIPELINE_STATES: readonly string[] = [
  ...PIPELINE_GLUE_JOBS.map(([state]) => state),
  PIPELINE_BATCH_STATE,
];
/** The step that fails in the failure fixtures: the third Glue job. */
export const FAILING_STATE = PIPELINE_GLUE_JOBS[2]?.[0] ?? "MapDefectCodes";
/** The step retried once in the failure fixtures: the second Glue job. */
export const RETRIED_STATE = PIPELINE_GLUE_JOBS[1]?.[0] ?? "PrepareFeatures";
const FAILING_JOB = PIPELINE_GLUE_JOBS[2]?.[1] ?? "DCP-batch-inference-mapping";

/** Step durations in ms, in pipeline order: realistic and unequal, so bars differ. */
const GLUE_MS = [94_000, 212_000, 151_000, 83_000, 41_000];
const BATCH_MS = 1_260_000;
/** Between a state's entry and its task's submission, and between states. */
const GAP_MS = 400;

export interface ReportOptions {
  /** The execution's start (default T0). */
  start?: number;
  /** backfill: the date label. */
  label?: string;
  name?: string;
}

function executionName(options: ReportOptions): string {
  const date = options.label ?? "2023-10-14";
  return options.name ?? `DCP-${date.replaceAll("-", "")}-jenkins-batch-inference-DCP-142`;
}

function base(options: ReportOptions, outcome: Outcome, status: string): ExecutionReport {
  const name = executionName(options);
  const executionArn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:dcp-batch-inference:${name}`;
  const report: ExecutionReport = {
    executionArn,
    name,
    stateMachineArn: STATE_MACHINE_ARN,
    status,
    startedAt: options.start ?? T0,
    consoleUrl: `https://${REGION}.console.aws.amazon.com/states/home?region=${REGION}#/v2/executions/details/${encodeURIComponent(executionArn)}`,
    states: [],
    definitionStates: [...PIPELINE_STATES],
    outcome,
  };
  if (options.label !== undefined) report.label = options.label;
  return report;
}

function glueRunId(seed: number): string {
  return `jr_${(seed * 2654435761).toString(16).padStart(8, "0").repeat(8).slice(0, 64)}`;
}

function taskAttempt(
  number: number,
  startedAt: number,
  durationMs: number | undefined,
  status: Attempt["status"],
  task: Attempt["task"],
): Attempt {
  const attempt: Attempt = { number, startedAt, status };
  if (durationMs !== undefined) attempt.endedAt = startedAt + durationMs;
  if (task) attempt.task = task;
  return attempt;
}

/**
 * A Task state run: one attempt per entry of `attemptsMs` (all but the last
 * failed and retried after `retryDelayMs`). A `undefined` last duration leaves
 * the state running.
 */
export function taskRun(
  name: string,
  options: {
    kind: "glue" | "batch";
    enteredAt: number;
    attemptsMs: Array<number | undefined>;
    lastStatus?: Attempt["status"];
    jobName?: string;
    retryDelayMs?: number;
    seed?: number;
    retryError?: { error: string; cause: string };
  },
): StateRun {
  const attempts: Attempt[] = [];
  let at = options.enteredAt + GAP_MS;
  options.attemptsMs.forEach((ms, index) => {
    const last = index === options.attemptsMs.length - 1;
    const status: Attempt["status"] = last
      ? (options.lastStatus ?? (ms === undefined ? "running" : "succeeded"))
      : "failed";
    const task: Attempt["task"] =
      options.kind === "glue"
        ? { kind: "glue", id: glueRunId((options.seed ?? 1) * 10 + index), jobName: options.jobName ?? name }
        : {
            kind: "batch",
            id: `4e2b1f9c-7d3a-4c55-9a61-0f2d8b7e6c${String(index).padStart(2, "0")}`,
            jobName: options.jobName ?? PIPELINE_BATCH_JOB,
          };
    const attempt = taskAttempt(index + 1, at, ms, status, task);
    if (!last && options.retryError) {
      attempt.error = options.retryError.error;
      attempt.cause = options.retryError.cause;
    }
    attempts.push(attempt);
    if (ms !== undefined) at += ms + (options.retryDelayMs ?? 30_000);
  });
  const lastAttempt = attempts.at(-1);
  const run: StateRun = {
    name,
    kind: "Task",
    resource: options.kind === "glue" ? GLUE_RESOURCE : BATCH_RESOURCE,
    enteredAt: options.enteredAt,
    status: lastAttempt?.status === "running" ? "running" : (lastAttempt?.status ?? "succeeded"),
    attempts,
  };
  if (lastAttempt?.endedAt !== undefined) run.exitedAt = lastAttempt.endedAt + GAP_MS;
  return run;
}

/** The six pipeline states, all succeeding, from `start`. */
function pipelineRuns(start: number, seed: number, scale = 1): StateRun[] {
  const runs: StateRun[] = [];
  let at = start + GAP_MS;
  PIPELINE_GLUE_JOBS.forEach(([state, job], index) => {
    const run = taskRun(state, {
      kind: "glue",
      enteredAt: at,
      attemptsMs: [Math.round((GLUE_MS[index] ?? 60_000) * scale)],
      jobName: job,
      seed: seed + index,
    });
    runs.push(run);
    at = (run.exitedAt ?? at) + GAP_MS;
  });
  runs.push(
    taskRun(PIPELINE_BATCH_STATE, {
      kind: "batch",
      enteredAt: at,
      attemptsMs: [Math.round(BATCH_MS * scale)],
    }),
  );
  return runs;
}

/** Five Glue jobs then the Batch job, all succeeded. */
export function successReport(options: ReportOptions & { scale?: number } = {}): ExecutionReport {
  const start = options.start ?? T0;
  const report = base(options, { kind: "ended", status: "SUCCEEDED" }, "SUCCEEDED");
  report.states = pipelineRuns(start, start / 1000, options.scale);
  report.stoppedAt = (report.states.at(-1)?.exitedAt ?? start) + GAP_MS;
  report.output = { outputPath: "s3://dcp-batch-inference/output/2023/10/14/" };
  return report;
}

export const GLUE_ERROR_MESSAGE =
  "AnalysisException: Path does not exist: s3://dcp-batch-inference/features/date=2023-10-14/; line 1 pos 14";

export const LOG_TAIL_LINES = [
  "INFO GlueContext: Reading features for date=2023-10-14",
  "WARN S3AFileSystem: Path s3://dcp-batch-inference/features/date=2023-10-14/ has no objects",
  "ERROR ProcessLauncher: Error from Python: Traceback (most recent call last):",
  '  File "/tmp/mapping.py", line 88, in <module>',
  "    df = spark.read.parquet(features_path)",
  `pyspark.sql.utils.${GLUE_ERROR_MESSAGE}`,
];

/**
 * The second Glue job fails once and is retried (then succeeds); the third
 * Glue job fails for good: the execution FAILED there, with the Glue run's
 * details and its log tail. The fourth and later states never ran.
 */
export function failureReport(options: ReportOptions = {}): ExecutionReport {
  const start = options.start ?? T0;
  const report = base(options, { kind: "ended", status: "FAILED" }, "FAILED");
  const first = pipelineRuns(start, start / 1000).slice(0, 1);
  const [retriedState, retriedJob] = PIPELINE_GLUE_JOBS[1] ?? [
    "PrepareFeatures",
    "DCP-batch-inference-feature-prep",
  ];
  const retried = taskRun(retriedState, {
    kind: "glue",
    enteredAt: (first[0]?.exitedAt ?? start) + GAP_MS,
    attemptsMs: [48_000, 205_000],
    jobName: retriedJob,
    seed: 7,
    retryError: {
      error: "Glue.ConcurrentRunsExceededException",
      cause: `Concurrent runs exceeded for ${retriedJob} (Service: AWSGlue; Status Code: 400; Error Code: ConcurrentRunsExceededException; Request ID: 5d1c0e2a-6a39-4a3b-9d1e-2f0b6c1a9e77)`,
    },
  });
  const cause = glueFailureCause({
    jobName: FAILING_JOB,
    errorMessage: GLUE_ERROR_MESSAGE,
    executionTimeSeconds: 151,
  });
  const failing = taskRun(FAILING_STATE, {
    kind: "glue",
    enteredAt: (retried.exitedAt ?? start) + GAP_MS,
    attemptsMs: [151_000],
    lastStatus: "failed",
    jobName: FAILING_JOB,
    seed: 9,
  });
  failing.status = "failed";
  const lastAttempt = failing.attempts.at(-1);
  if (lastAttempt) {
    lastAttempt.error = "States.TaskFailed";
    lastAttempt.cause = cause;
  }
  report.states = [...first, retried, failing];
  report.stoppedAt = (failing.exitedAt ?? start) + GAP_MS;
  const runId = lastAttempt?.task?.id ?? glueRunId(90);
  const logStart = (lastAttempt?.endedAt ?? start) - LOG_TAIL_LINES.length * 1000;
  const task: TaskFailure = {
    kind: "glue",
    jobName: FAILING_JOB,
    id: runId,
    status: "FAILED",
    errorMessage: GLUE_ERROR_MESSAGE,
    links: [
      {
        label: "Glue job run",
        url: `https://${REGION}.console.aws.amazon.com/gluestudio/home?region=${REGION}#/job/${FAILING_JOB}/run/${runId}`,
      },
    ],
    log: {
      group: "/aws-glue/jobs/error",
      stream: runId,
      lines: LOG_TAIL_LINES.map((message, index) => ({ timestamp: logStart + index * 1000, message })),
    },
    warnings: [],
  };
  report.failure = { state: FAILING_STATE, error: "States.TaskFailed", cause, task };
  report.error = "States.TaskFailed";
  report.cause = cause;
  return report;
}

/** The fourth Glue job still running when `--timeout` (10m) ended the wait; not stopped. */
export function timeoutReport(options: ReportOptions & { stopped?: boolean } = {}): ExecutionReport {
  const start = options.start ?? T0;
  const stopped = options.stopped ?? false;
  const report = base(options, { kind: "timeout", stopped }, stopped ? "ABORTED" : "RUNNING");
  const done = pipelineRuns(start, start / 1000).slice(0, 3);
  const [state, job] = PIPELINE_GLUE_JOBS[3] ?? ["BuildInferenceInput", "DCP-batch-inference-input-builder"];
  const running = taskRun(state, {
    kind: "glue",
    enteredAt: (done.at(-1)?.exitedAt ?? start) + GAP_MS,
    attemptsMs: [undefined],
    jobName: job,
    seed: 4,
  });
  report.states = [...done, running];
  if (stopped) report.stoppedAt = start + 600_000;
  return report;
}

/** The Batch job running when Jenkins aborted the build: SIGTERM, StopExecution, ABORTED confirmed. */
export function abortReport(options: ReportOptions = {}): ExecutionReport {
  const start = options.start ?? T0;
  const report = base(
    options,
    { kind: "interrupted", signal: "SIGTERM", action: "stop", stopped: true, started: true },
    "ABORTED",
  );
  const runs = pipelineRuns(start, start / 1000);
  const batch = runs.at(-1);
  if (batch) {
    delete batch.exitedAt;
    batch.status = "running";
    const attempt = batch.attempts.at(-1);
    if (attempt) {
      delete attempt.endedAt;
      attempt.status = "running";
    }
  }
  report.states = runs;
  report.stoppedAt = (batch?.enteredAt ?? start) + 95_000;
  report.error = "States.Aborted";
  report.cause = "Stopped by batchinf on SIGTERM: https://jenkins.example.com/job/dcp-batch-inference/142/";
  return report;
}

/**
 * A backfill of `days` dates from 2023-10-01, two at a time (concurrency 2);
 * the dates in `failOn` fail at the third Glue job after a retry.
 */
export function backfillReports(days = 10, options: { failOn?: readonly string[] } = {}): ExecutionReport[] {
  const failOn = new Set(options.failOn ?? ["2023-10-04"]);
  const reports: ExecutionReport[] = [];
  const slotFree = [T0, T0 + 5_000];
  for (let day = 0; day < days; day++) {
    const label = new Date(Date.UTC(2023, 9, 1 + day)).toISOString().slice(0, 10);
    const slot = slotFree[0] !== undefined && slotFree[1] !== undefined && slotFree[0] <= slotFree[1] ? 0 : 1;
    const start = (slotFree[slot] ?? T0) + 2_000;
    const report = failOn.has(label)
      ? failureReport({ label, start })
      : successReport({ label, start, scale: 0.8 + (day % 4) * 0.1 });
    reports.push(report);
    slotFree[slot] = report.stoppedAt ?? start;
  }
  return reports;
}

/**
 * One report with `count` state runs: a Map step over partitions, each
 * iteration a Glue job of a minute or two, a few retried, the last one
 * failed. The long page the HTML report must still render quickly.
 */
export function longReport(count = 1_000): ExecutionReport {
  const report = base(
    { name: "DCP-20231014-reprocess-all-partitions" },
    { kind: "ended", status: "FAILED" },
    "FAILED",
  );
  const states: StateRun[] = [];
  let at = T0 + GAP_MS;
  for (let index = 0; index < count; index++) {
    const name = `ProcessPartition${String(index % 50).padStart(2, "0")}`;
    const retried = index % 97 === 13;
    const last = index === count - 1;
    const run = taskRun(name, {
      kind: "glue",
      enteredAt: at,
      attemptsMs: retried ? [20_000, 60_000 + (index % 7) * 9_000] : [45_000 + (index % 11) * 7_000],
      lastStatus: last ? "failed" : "succeeded",
      jobName: "DCP-batch-inference-partition",
      retryDelayMs: 10_000,
      seed: index,
      ...(retried ? { retryError: { error: "Glue.ThrottlingException", cause: "Rate exceeded" } } : {}),
    });
    if (last) run.status = "failed";
    states.push(run);
    // Four partitions at a time: a new one starts every quarter of a run.
    at += 12_000;
  }
  report.states = states;
  // Map iterations are not top-level states: nothing to call "never reached".
  delete report.definitionStates;
  const lastRun = states.at(-1);
  report.stoppedAt = (lastRun?.exitedAt ?? T0) + GAP_MS;
  report.failure = {
    state: lastRun?.name ?? "ProcessPartition49",
    error: "States.TaskFailed",
    cause: "Partition 999 failed",
  };
  return report;
}

/** Every form a secret could leak in: raw, JSON-escaped, URL-encoded. */
export function leakForms(secret: string): string[] {
  return [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)];
}

/** A report with the secret in every text field a report carries, in the forms it arrives in. */
export function reportWithSecret(secret: string): ExecutionReport {
  const report = failureReport();
  const url = encodeURIComponent(secret);
  report.name = `DCP-${secret}`;
  report.consoleUrl = `https://console.example.com/?token=${url}`;
  if (report.failure) {
    report.failure.error = `Custom.Error ${secret}`;
    report.failure.cause = JSON.stringify({
      ErrorMessage: `password=${secret}`,
      Arguments: { "--db-password": secret },
    });
    if (report.failure.task) {
      report.failure.task.errorMessage = `login failed for ${secret}`;
      report.failure.task.links.push({ label: "job", url: `https://example.com/x?p=${url}` });
      report.failure.task.log?.lines.push({ timestamp: T0, message: `connecting with ${secret}` });
    }
  }
  const retried = report.states[1]?.attempts[0];
  if (retried) retried.cause = `retry cause ${JSON.stringify(secret)}`;
  const first = report.states[0];
  if (first) {
    first.name = `Step-${secret}`;
    report.definitionStates = [first.name, ...PIPELINE_STATES.slice(1)];
  }
  return report;
}

/** Secrets like SSM SecureStrings: letters, digits and the punctuation that JSON, URLs and XML encode. */
export const secretArbitrary = fc.stringMatching(
  /^[A-Za-z0-9]{3}[A-Za-z0-9"\\/&<>%+=?#' ]{6,20}[A-Za-z0-9]{3}$/,
);

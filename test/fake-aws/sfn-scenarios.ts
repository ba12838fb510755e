// Ready-made scripts for the batch-inference pipeline (five Glue jobs, then an
// AWS Batch job) and failure causes shaped like the ones the `.sync`
// integrations put in TaskFailed: Step Functions serialises the job object it
// last polled (Glue GetJobRun's JobRun, Batch DescribeJobs' job) with
// PascalCase keys and epoch-millisecond dates. A CLI that pretty-prints causes
// must cope with exactly these documents.

import {
  BATCH_SYNC_RESOURCE,
  type ExecutionScript,
  type FailedAttempt,
  GLUE_SYNC_RESOURCE,
  type ScriptedFailure,
  type ScriptedState,
  type SubmittedTask,
} from "./sfn.js";

const REGION = "ap-south-1";
const ACCOUNT = "731580992380";

/** State name -> Glue job name, in pipeline order. */
export const PIPELINE_GLUE_JOBS: ReadonlyArray<readonly [state: string, job: string]> = [
  ["DataQualityCheck", "DCP-batch-inference-dq-check"],
  ["PrepareFeatures", "DCP-batch-inference-feature-prep"],
  ["MapDefectCodes", "DCP-batch-inference-mapping"],
  ["BuildInferenceInput", "DCP-batch-inference-input-builder"],
  ["RefreshAthenaPartitions", "DCP-batch-inference-athena-partitions"],
];
export const PIPELINE_BATCH_STATE = "RunBatchInference";
export const PIPELINE_BATCH_JOB = "aws_demo_batch_run";
const JOB_QUEUE = `arn:aws:batch:${REGION}:${ACCOUNT}:job-queue/test-training`;
const JOB_DEFINITION = `arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/test-training:3`;

export function glueJobState(
  name: string,
  options: { jobName?: string; durationMs?: number; failedAttempts?: FailedAttempt[] } = {},
): ScriptedState {
  const state: ScriptedState = {
    name,
    resource: GLUE_SYNC_RESOURCE,
    parameters: { JobName: options.jobName ?? name },
    durationMs: options.durationMs ?? 60_000,
  };
  if (options.failedAttempts) state.failedAttempts = options.failedAttempts;
  return state;
}

export function batchJobState(
  name: string,
  options: { jobName?: string; durationMs?: number; failedAttempts?: FailedAttempt[] } = {},
): ScriptedState {
  const state: ScriptedState = {
    name,
    resource: BATCH_SYNC_RESOURCE,
    parameters: {
      JobName: options.jobName ?? PIPELINE_BATCH_JOB,
      JobQueue: JOB_QUEUE,
      JobDefinition: JOB_DEFINITION,
    },
    durationMs: options.durationMs ?? 300_000,
  };
  if (options.failedAttempts) state.failedAttempts = options.failedAttempts;
  return state;
}

/** A Lambda invoke state (request-response: the call answers in seconds). */
export function lambdaState(name: string, durationMs: number): ScriptedState {
  return { name, resource: "arn:aws:states:::lambda:invoke", parameters: { FunctionName: name }, durationMs };
}

export interface PipelineOptions {
  glueMs?: number;
  batchMs?: number;
  /** Per state name: attempts that fail and are retried before it succeeds (or finally fails). */
  retries?: Record<string, FailedAttempt[]>;
}

/** The six pipeline states: five Glue `.sync` jobs, then the Batch `.sync` job. */
export function pipelineStates(options: PipelineOptions = {}): ScriptedState[] {
  const glue = PIPELINE_GLUE_JOBS.map(([state, job]) => {
    const attempts = options.retries?.[state];
    return glueJobState(state, {
      jobName: job,
      durationMs: options.glueMs ?? 60_000,
      ...(attempts ? { failedAttempts: attempts } : {}),
    });
  });
  const attempts = options.retries?.[PIPELINE_BATCH_STATE];
  const batch = batchJobState(PIPELINE_BATCH_STATE, {
    durationMs: options.batchMs ?? 300_000,
    ...(attempts ? { failedAttempts: attempts } : {}),
  });
  return [...glue, batch];
}

export function pipelineSucceeds(options: PipelineOptions & { output?: unknown } = {}): ExecutionScript {
  const script: ExecutionScript = { states: pipelineStates(options), outcome: "SUCCEEDED" };
  if (options.output !== undefined) script.output = options.output;
  return script;
}

export function pipelineFailsAt(failure: ScriptedFailure, options: PipelineOptions = {}): ExecutionScript {
  return { states: pipelineStates(options), outcome: { fail: failure } };
}

/** The Glue job name a pipeline state runs. */
export function glueJobOf(state: string): string {
  const entry = PIPELINE_GLUE_JOBS.find(([s]) => s === state);
  if (!entry) throw new Error(`not a pipeline Glue state: ${state}`);
  return entry[1];
}

const T0 = Date.UTC(2023, 9, 14, 6, 0, 0);

/**
 * A failed Glue job run as the `glue:startJobRun.sync` integration reports it
 * (error `States.TaskFailed`). The run id is the JobRun's `Id`; `JobRunId` only
 * appears in StartJobRun's response (the TaskSubmitted output).
 */
export function glueFailureCause(options: {
  jobName: string;
  errorMessage: string;
  jobRunId?: string;
  attempt?: number;
  executionTimeSeconds?: number;
  /** Default `/aws-glue/jobs` (the run's logs go to `<it>/error` and `<it>/output`). */
  logGroupName?: string;
  arguments?: Record<string, string>;
}): string {
  const seconds = options.executionTimeSeconds ?? 94;
  return JSON.stringify({
    AllocatedCapacity: 10,
    Arguments: { "--enable-metrics": "true", "--job-language": "python", ...options.arguments },
    Attempt: options.attempt ?? 0,
    CompletedOn: T0 + seconds * 1000,
    ErrorMessage: options.errorMessage,
    ExecutionTime: seconds,
    GlueVersion: "4.0",
    Id: options.jobRunId ?? "jr_5f0c3c4b8a1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f",
    JobName: options.jobName,
    JobRunState: "FAILED",
    LastModifiedOn: T0 + seconds * 1000,
    LogGroupName: options.logGroupName ?? "/aws-glue/jobs",
    MaxCapacity: 10,
    NumberOfWorkers: 10,
    PredecessorRuns: [],
    StartedOn: T0,
    Timeout: 2880,
    WorkerType: "G.1X",
  });
}

/** A failed Batch job as the `batch:submitJob.sync` integration reports it (error `States.TaskFailed`). */
export function batchFailureCause(options: {
  jobName?: string;
  jobId?: string;
  statusReason?: string;
  exitCode?: number;
  /** The container's own reason (e.g. `OutOfMemoryError: Container killed due to memory usage`). */
  containerReason?: string;
  attempts?: number;
  /** The last attempt's stream; earlier attempts get their own. */
  logStreamName?: string;
  /** `LogConfiguration.Options["awslogs-group"]`; without it the job logs to /aws/batch/job. */
  logGroup?: string;
  /** The container's environment (`[{Name, Value}]` in the cause). */
  environment?: Record<string, string>;
}): string {
  const jobId = options.jobId ?? "4e2b1f9c-7d3a-4c55-9a61-0f2d8b7e6c10";
  const exitCode = options.exitCode ?? 1;
  const statusReason = options.statusReason ?? "Essential container in task exited";
  const count = options.attempts ?? 1;
  const lastStream = options.logStreamName ?? `test-training/default/${jobId.replace(/-/g, "")}`;
  const streamOf = (i: number) =>
    i === count - 1
      ? lastStream
      : `${lastStream.replace(/[^/]*$/, "")}${jobId.replace(/-/g, "").slice(0, 24)}${i}`;
  const attempts = Array.from({ length: count }, (_, i) => ({
    Container: {
      ContainerInstanceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/batch-ce/${i}`,
      ExitCode: exitCode,
      LogStreamName: streamOf(i),
      ...(options.containerReason ? { Reason: options.containerReason } : {}),
      NetworkInterfaces: [],
      TaskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/batch-ce/${jobId.slice(0, 8)}${i}`,
    },
    StartedAt: T0 + i * 600_000,
    StatusReason: statusReason,
    StoppedAt: T0 + i * 600_000 + 420_000,
  }));
  return JSON.stringify({
    Attempts: attempts,
    Container: {
      Command: ["python", "inference.py"],
      Environment: Object.entries(options.environment ?? {}).map(([Name, Value]) => ({ Name, Value })),
      ExitCode: exitCode,
      Image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/batch-inference:latest`,
      LogConfiguration: {
        LogDriver: "awslogs",
        Options: options.logGroup ? { "awslogs-group": options.logGroup } : {},
        SecretOptions: [],
      },
      LogStreamName: lastStream,
      ...(options.containerReason ? { Reason: options.containerReason } : {}),
      Memory: 8192,
      Vcpus: 4,
    },
    CreatedAt: T0 - 5000,
    DependsOn: [],
    JobArn: `arn:aws:batch:${REGION}:${ACCOUNT}:job/${jobId}`,
    JobDefinition: JOB_DEFINITION,
    JobId: jobId,
    JobName: options.jobName ?? PIPELINE_BATCH_JOB,
    JobQueue: JOB_QUEUE,
    Parameters: {},
    PlatformCapabilities: [],
    PropagateTags: false,
    RetryStrategy: { Attempts: count, EvaluateOnExit: [] },
    StartedAt: T0,
    Status: "FAILED",
    StatusReason: statusReason,
    StoppedAt: T0 + 420_000,
    Tags: {},
  });
}

/** A Glue run that fails and is retried (a `Retry` on States.TaskFailed catches it). */
export function glueRetriedFailure(
  jobName: string,
  errorMessage: string,
  durationMs = 45_000,
): FailedAttempt {
  return {
    error: "States.TaskFailed",
    cause: glueFailureCause({ jobName, errorMessage, executionTimeSeconds: Math.round(durationMs / 1000) }),
    durationMs,
    retryIntervalMs: 30_000,
  };
}

/**
 * A Glue cause for whichever run fails: `causeFor` of a FailedAttempt or
 * ScriptedFailure, so the cause's `Id` is the run id TaskSubmitted named.
 */
export function glueCauseFor(
  errorMessage: string,
  options: { logGroupName?: string; arguments?: Record<string, string> } = {},
): (task: SubmittedTask) => string {
  return (task) =>
    glueFailureCause({
      jobName: task.jobName,
      errorMessage,
      ...options,
      ...(task.jobRunId ? { jobRunId: task.jobRunId } : {}),
    });
}

/** A Batch cause for whichever job fails, naming its id, ARN and log stream as the fake derives them. */
export function batchCauseFor(
  options: Omit<Parameters<typeof batchFailureCause>[0], "jobId" | "jobName" | "logStreamName"> = {},
): (task: SubmittedTask) => string {
  return (task) =>
    batchFailureCause({
      ...options,
      jobName: task.jobName,
      ...(task.jobId ? { jobId: task.jobId } : {}),
      ...(task.logStreamName ? { logStreamName: task.logStreamName } : {}),
    });
}

export const LAMBDA_INVOKE_RESOURCE = "arn:aws:states:::lambda:invoke";

/**
 * A Task that invokes a Lambda function: through `lambda:invoke` with
 * `FunctionName` (a name, `name:qualifier` or an ARN), or, with `legacy`, the
 * old way, the function's ARN as the resource (LambdaFunction* events).
 */
export function lambdaInvokeState(
  name: string,
  options: {
    functionName?: string;
    qualifier?: string;
    durationMs?: number;
    legacy?: boolean;
    failedAttempts?: FailedAttempt[];
  } = {},
): ScriptedState {
  const fn = options.functionName ?? "score-batch";
  const qualified = options.qualifier ? `${fn}:${options.qualifier}` : fn;
  const state: ScriptedState = options.legacy
    ? { name, resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${qualified}`, durationMs: 0 }
    : {
        name,
        resource: LAMBDA_INVOKE_RESOURCE,
        parameters: {
          FunctionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${qualified}`,
          Payload: {},
        },
        durationMs: 0,
      };
  state.durationMs = options.durationMs ?? 20_000;
  if (options.failedAttempts) state.failedAttempts = options.failedAttempts;
  return state;
}

/**
 * A failed invocation's cause as Step Functions records it: the function's
 * error payload, JSON. Python's runtime writes `errorMessage`, `errorType`,
 * `requestId` and `stackTrace` (lines); Node's `errorType`, `errorMessage`
 * and `trace`, without a request id.
 */
export function lambdaFailureCause(options: {
  errorType?: string;
  errorMessage?: string;
  requestId?: string;
  runtime?: "python" | "node";
}): string {
  const errorType = options.errorType ?? "ValueError";
  const errorMessage =
    options.errorMessage ?? "could not read s3://dcp-inference/input/2023-10-14/part-0000.parquet";
  if (options.runtime === "node") {
    return JSON.stringify({
      errorType,
      errorMessage,
      trace: [`${errorType}: ${errorMessage}`, "    at Runtime.handler (/var/task/index.mjs:12:11)"],
    });
  }
  return JSON.stringify({
    errorMessage,
    errorType,
    ...(options.requestId ? { requestId: options.requestId } : {}),
    stackTrace: [
      '  File "/var/task/handler.py", line 41, in lambda_handler\n    frame = read_input(event)\n',
      '  File "/var/task/handler.py", line 17, in read_input\n    raise ValueError(message)\n',
    ],
  });
}

/** Build the Python payload cause with the request id of the attempt that fails (ScriptedFailure.causeFor). */
export function lambdaCauseFor(options: Parameters<typeof lambdaFailureCause>[0] = {}) {
  return (task: SubmittedTask): string =>
    lambdaFailureCause({
      ...options,
      ...(task.requestId && options.runtime !== "node" ? { requestId: task.requestId } : {}),
    });
}

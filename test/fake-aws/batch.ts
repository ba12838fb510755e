// AWS Batch, as far as batchinf asks it: DescribeJobs (restJson1,
// `POST /v1/describejobs`). Nothing is stored: the jobs are the ones the Step
// Functions fake's `.sync` Batch tasks submitted, read off its timelines, with
// the ids, names and log streams submittedTaskOf derives, so a job described
// here is the one TaskSubmitted named and its stream the one seedTaskLog writes.
//
// A job's life: SUBMITTED, RUNNABLE and STARTING from TaskSubmitted for its
// start-up time, RUNNING (and naming its log stream, as the real service does
// from RUNNING on) until its attempt's TaskSucceeded or TaskFailed, then
// SUCCEEDED or FAILED; an execution that ends first (stopped, timed out) takes
// its running job down with it, FAILED.

import { BatchResources, type FakeComputeEnvironment, type FakeJobQueue } from "./batch-resources.js";
import { BATCH_SYNC_RESOURCE, type ExecutionView, type SfnService, submittedTaskOf } from "./sfn.js";
import { startedBy, submittedAttemptsOf } from "./task-attempts.js";
import { AwsFault, type Clock, type RestJsonService, type ServiceContext } from "./types.js";

export interface BatchServiceOptions {
  /** Whose executions submit the jobs. */
  sfn: SfnService;
  clock?: Clock;
  /** From submission to RUNNING; at most a quarter of the attempt. Default 20 s. */
  startupMs?: number;
}

/** One job as the fake derives it from a timeline, with its times (epoch ms). */
export interface FakeBatchJob {
  jobId: string;
  jobName: string;
  jobQueue: string;
  /** As SubmitJob was given it (an ARN, `NAME:REV` or `NAME`). */
  jobDefinition: string;
  executionArn: string;
  state: string;
  /** 0-based, as the Step Functions fake counts attempts. */
  attempt: number;
  logStreamName: string;
  submittedAt: number;
  runningAt: number;
  /** Infinity while nothing in the timeline ends it. */
  endedAt: number;
  succeeded: boolean;
  /** holdRunnable: RUNNABLE until this time, and why. */
  heldUntil?: number;
  runnableReason?: string;
}

export interface BatchService extends RestJsonService {
  /** The jobs of every execution, whatever their time. */
  jobs(): FakeBatchJob[];
  /** Where a job's status is at `now`, or undefined before it is submitted. */
  statusOf(job: FakeBatchJob, now: number): string | undefined;
  /**
   * Jobs of this job definition (its name, no revision) log to `group`: its
   * containers' `logConfiguration` names it as `awslogs-group`.
   */
  setLogGroup(jobDefinitionName: string, group: string): void;
  /** Jobs of this job definition log with another driver (e.g. `splunk`): DescribeJobs names no stream. */
  setLogDriver(jobDefinitionName: string, driver: string): void;
  /** From submission to RUNNING, for jobs described from now on (still at most a quarter of the attempt). */
  setStartupMs(ms: number): void;
  /** Job queues, compute environments and job definitions (DescribeJobQueues and its kin). */
  readonly resources: BatchResources;
  /**
   * Jobs of this state stay RUNNABLE (with this status reason, if any) for
   * `ms` after submission before they start: a queue with no capacity. The
   * execution's own timeline is unchanged; script the state's durationMs to
   * cover the wait.
   */
  holdRunnable(state: string, ms: number, statusReason?: string): void;
  /** A job queue DescribeJobQueues knows (by name or ARN). */
  addJobQueue(queue: FakeJobQueue): void;
  /** A compute environment DescribeComputeEnvironments knows (by name or ARN). */
  addComputeEnvironment(environment: FakeComputeEnvironment): void;
}

export function createBatchService(options: BatchServiceOptions): BatchService {
  return new FakeBatch(options);
}

/** Most job ids one DescribeJobs takes (the API reference). */
const MAX_JOBS_PER_CALL = 100;

class FakeBatch implements BatchService {
  readonly protocol = "restJson1" as const;
  readonly targetPrefix = "AWSBatch";
  readonly routes = {
    "POST /v1/describejobs": "DescribeJobs",
    "POST /v1/describejobqueues": "DescribeJobQueues",
    "POST /v1/describecomputeenvironments": "DescribeComputeEnvironments",
    "POST /v1/describejobdefinitions": "DescribeJobDefinitions",
  };
  readonly resources: BatchResources;
  private readonly held = new Map<string, { ms: number; statusReason?: string }>();
  private readonly logGroups = new Map<string, string>();
  private readonly logDrivers = new Map<string, string>();
  private startupMs: number;

  constructor(private readonly options: BatchServiceOptions) {
    this.startupMs = options.startupMs ?? 20_000;
    this.resources = new BatchResources(options.sfn.accountId, options.sfn.region);
  }

  setLogGroup(jobDefinitionName: string, group: string): void {
    this.logGroups.set(jobDefinitionName, group);
  }

  setLogDriver(jobDefinitionName: string, driver: string): void {
    this.logDrivers.set(jobDefinitionName, driver);
  }

  setStartupMs(ms: number): void {
    this.startupMs = ms;
  }

  holdRunnable(state: string, ms: number, statusReason?: string): void {
    this.held.set(state, { ms, ...(statusReason ? { statusReason } : {}) });
  }

  addJobQueue(queue: FakeJobQueue): void {
    this.resources.putJobQueue(queue);
  }

  addComputeEnvironment(environment: FakeComputeEnvironment): void {
    this.resources.putComputeEnvironment(environment);
  }

  jobs(): FakeBatchJob[] {
    return this.options.sfn
      .executions(Number.POSITIVE_INFINITY)
      .flatMap((view) => batchJobsOf(view, this.startupMs))
      .map((job) => {
        const held = this.held.get(job.state);
        if (!held) return job;
        // RUNNABLE from a second after submission until the hold ends, then STARTING for a second.
        const runningAt = Math.min(job.endedAt, job.submittedAt + held.ms + 1_000);
        return {
          ...job,
          runningAt,
          heldUntil: job.submittedAt + held.ms,
          ...(held.statusReason ? { runnableReason: held.statusReason } : {}),
        };
      });
  }

  statusOf(job: FakeBatchJob, now: number): string | undefined {
    if (now < job.submittedAt) return undefined;
    if (now >= job.endedAt) return job.succeeded ? "SUCCEEDED" : "FAILED";
    if (now >= job.runningAt) return "RUNNING";
    if (job.heldUntil !== undefined) {
      if (now < job.submittedAt + 1_000) return "SUBMITTED";
      return now < job.heldUntil ? "RUNNABLE" : "STARTING";
    }
    const third = (job.runningAt - job.submittedAt) / 3;
    if (now < job.submittedAt + third) return "SUBMITTED";
    return now < job.submittedAt + 2 * third ? "RUNNABLE" : "STARTING";
  }

  handle(operation: string, input: Record<string, unknown>, ctx: ServiceContext): unknown {
    if (this.resources.handles(operation)) return this.resources.handle(operation, input);
    if (operation !== "DescribeJobs") throw new AwsFault("ClientException", `${operation} is not modelled`);
    const ids = input.jobs;
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string"))
      throw new AwsFault("ClientException", "jobs must be a list of job ids");
    if (ids.length > MAX_JOBS_PER_CALL)
      throw new AwsFault("ClientException", `jobs: at most ${MAX_JOBS_PER_CALL} job ids`);
    const now = ctx.clock.now();
    const known = new Map(this.jobs().map((job) => [job.jobId, job]));
    // Unknown (or not yet submitted) ids are left out, not an error: the real service does the same.
    return {
      jobs: (ids as string[]).flatMap((id) => {
        const job = known.get(id);
        const status = job && this.statusOf(job, now);
        return job && status ? [this.detail(job, status)] : [];
      }),
    };
  }

  /** DescribeJobs' JobDetail, the parts a container job has. */
  private detail(job: FakeBatchJob, status: string): Record<string, unknown> {
    const { region, accountId } = this.options.sfn;
    const ended = status === "SUCCEEDED" || status === "FAILED";
    // Each container attempt gets its stream name when it reaches RUNNING (the API reference).
    const driver = this.logDrivers.get(definitionName(job.jobDefinition)) ?? "awslogs";
    const named = driver === "awslogs" && (status === "RUNNING" || (ended && job.runningAt < job.endedAt));
    const group = this.logGroups.get(definitionName(job.jobDefinition));
    const container: Record<string, unknown> = {
      image: `${accountId}.dkr.ecr.${region}.amazonaws.com/batch-inference:latest`,
      vcpus: 4,
      memory: 16384,
      command: ["python", "score.py"],
      ...(named ? { logStreamName: job.logStreamName } : {}),
      ...(driver !== "awslogs"
        ? { logConfiguration: { logDriver: driver, options: {}, secretOptions: [] } }
        : group
          ? {
              logConfiguration: {
                logDriver: "awslogs",
                options: { "awslogs-group": group, "awslogs-region": region },
                secretOptions: [],
              },
            }
          : {}),
      ...(ended ? { exitCode: job.succeeded ? 0 : 1 } : {}),
    };
    return {
      jobArn: `arn:aws:batch:${region}:${accountId}:job/${job.jobId}`,
      jobName: job.jobName,
      jobId: job.jobId,
      jobQueue: job.jobQueue,
      status,
      createdAt: job.submittedAt,
      ...(status === "RUNNING" || ended ? { startedAt: job.runningAt } : {}),
      ...(status === "RUNNABLE" && job.runnableReason ? { statusReason: job.runnableReason } : {}),
      ...(ended
        ? {
            stoppedAt: job.endedAt,
            statusReason: job.succeeded ? "Essential container in task exited" : "Task failed",
          }
        : {}),
      attempts: [],
      jobDefinition: job.jobDefinition,
      parameters: {},
      container,
      tags: {},
      platformCapabilities: ["EC2"],
    };
  }
}

/** The Batch jobs one execution's `.sync` Batch tasks submitted, from its whole timeline. */
export function batchJobsOf(view: ExecutionView, startupMs = 20_000): FakeBatchJob[] {
  return submittedAttemptsOf(view, "batch").flatMap((submitted) => {
    const { state, attempt, parameters } = submitted;
    const task = submittedTaskOf(
      view.executionArn,
      { name: state, resource: BATCH_SYNC_RESOURCE, parameters, durationMs: 0 },
      attempt,
    );
    if (!task?.jobId || !task.logStreamName) return [];
    return [
      {
        jobId: task.jobId,
        jobName: task.jobName,
        jobQueue: String(parameters.JobQueue ?? "job-queue"),
        jobDefinition: String(parameters.JobDefinition ?? "job-definition"),
        executionArn: view.executionArn,
        state,
        attempt,
        logStreamName: task.logStreamName,
        submittedAt: submitted.submittedAt,
        // A stopped execution cuts a job where it is.
        runningAt: startedBy(submitted, startupMs),
        endedAt: submitted.endedAt,
        succeeded: submitted.ended === "succeeded",
      },
    ];
  });
}

/** `arn:...:job-definition/NAME:REV`, `NAME:REV` or `NAME`: NAME. */
function definitionName(definition: string): string {
  return definition.replace(/^.*job-definition\//, "").replace(/:\d+$/, "");
}

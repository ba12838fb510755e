// AWS Glue, as far as batchinf asks it: GetJob and GetDatabase (preflight),
// GetJobRun (--stuck-after) (awsJson1.1, `AWSGlue.*`). A missing job, database
// or run is EntityNotFoundException, as the API reference names it. The runs
// are the ones the Step Functions fake's `.sync` Glue tasks started
// (./glue-runs.ts), when it is given that fake.

import { requiredString } from "./fields.js";
import { type FakeGlueRun, glueRunsOf } from "./glue-runs.js";
import { unknownOperation } from "./server.js";
import type { SfnService } from "./sfn.js";
import { AwsFault, type AwsService, type ServiceContext } from "./types.js";

export interface GlueService extends AwsService {
  createJob(name: string): void;
  deleteJob(name: string): void;
  createDatabase(name: string): void;
  deleteDatabase(name: string): void;
  /** The runs the Step Functions fake's executions started (all of them, whatever their time). */
  runs(): FakeGlueRun[];
  /**
   * Runs of this state stay WAITING (job run queuing, with this StateDetail,
   * if any) for `ms` after they start, then STARTING for a second; the
   * execution's own timeline is unchanged: script the state's durationMs to
   * cover the wait.
   */
  holdWaiting(state: string, ms: number, stateDetail?: string): void;
}

export function createGlueService(options: { accountId?: string; sfn?: SfnService } = {}): GlueService {
  return new FakeGlue(options.accountId ?? "123456789012", options.sfn);
}

class FakeGlue implements GlueService {
  readonly targetPrefix = "AWSGlue";
  readonly jsonVersion = "1.1" as const;
  private readonly jobs = new Set<string>();
  private readonly databases = new Set<string>();
  private readonly held = new Map<string, { ms: number; stateDetail?: string }>();

  constructor(
    private readonly accountId: string,
    private readonly sfn?: SfnService,
  ) {}

  holdWaiting(state: string, ms: number, stateDetail?: string): void {
    this.held.set(state, { ms, ...(stateDetail ? { stateDetail } : {}) });
  }

  runs(): FakeGlueRun[] {
    if (!this.sfn) return [];
    return this.sfn
      .executions(Number.POSITIVE_INFINITY)
      .flatMap((view) => glueRunsOf(view))
      .map((run) => {
        const held = this.held.get(run.state);
        if (!held) return run;
        return {
          ...run,
          runningAt: Math.min(run.endedAt, run.startedAt + held.ms + 1_000),
          waitingUntil: run.startedAt + held.ms,
          ...(held.stateDetail ? { waitingReason: held.stateDetail } : {}),
        };
      });
  }

  createJob(name: string): void {
    this.jobs.add(name);
  }
  deleteJob(name: string): void {
    this.jobs.delete(name);
  }
  createDatabase(name: string): void {
    this.databases.add(name);
  }
  deleteDatabase(name: string): void {
    this.databases.delete(name);
  }

  handle(operation: string, input: Record<string, unknown>, ctx: ServiceContext): unknown {
    switch (operation) {
      case "GetJobRun":
        return this.getJobRun(input, ctx.clock.now());
      case "GetJob": {
        const name = requiredString(input, "JobName");
        if (!this.jobs.has(name)) throw new AwsFault("EntityNotFoundException", `Job ${name} not found`);
        return {
          Job: {
            Name: name,
            Role: `arn:aws:iam::${this.accountId}:role/glue-jobs`,
            Command: { Name: "glueetl", ScriptLocation: `s3://scripts/${name}.py`, PythonVersion: "3" },
            GlueVersion: "4.0",
            WorkerType: "G.1X",
            NumberOfWorkers: 10,
            CreatedOn: new Date(0),
          },
        };
      }
      case "GetDatabase": {
        const name = requiredString(input, "Name");
        if (!this.databases.has(name))
          throw new AwsFault("EntityNotFoundException", `Database ${name} not found.`);
        return { Database: { Name: name, CatalogId: this.accountId, CreateTime: new Date(0) } };
      }
      default:
        throw unknownOperation(this.targetPrefix, operation);
    }
  }

  /** GetJobRun: the run's JobRun as the API reference shapes it, at `now`. */
  private getJobRun(input: Record<string, unknown>, now: number): unknown {
    const jobName = requiredString(input, "JobName");
    const runId = requiredString(input, "RunId");
    const run = this.runs().find((r) => r.id === runId && r.jobName === jobName);
    if (!run || now < run.startedAt) {
      throw new AwsFault("EntityNotFoundException", `Job run ${runId} for job ${jobName} not found`);
    }
    const state = runState(run, now);
    const ended = now >= run.endedAt;
    const lastChange = ended
      ? run.endedAt
      : now >= run.runningAt
        ? run.runningAt
        : run.waitingUntil !== undefined && now >= run.waitingUntil
          ? run.waitingUntil
          : run.startedAt;
    const ranMs = Math.max(0, Math.min(now, run.endedAt) - run.runningAt);
    return {
      JobRun: {
        Id: run.id,
        Attempt: run.attempt,
        JobName: run.jobName,
        JobMode: "SCRIPT",
        JobRunQueuingEnabled: run.waitingUntil !== undefined,
        StartedOn: new Date(run.startedAt),
        LastModifiedOn: new Date(lastChange),
        ...(ended ? { CompletedOn: new Date(run.endedAt) } : {}),
        JobRunState: state,
        Arguments: {},
        ...(state === "FAILED"
          ? { ErrorMessage: "An error occurred while calling o87.getDynamicFrame." }
          : {}),
        ...(state === "WAITING" && run.waitingReason ? { StateDetail: run.waitingReason } : {}),
        PredecessorRuns: [],
        AllocatedCapacity: 10,
        // Whole seconds the run has consumed resources, 0 before it runs.
        ExecutionTime: Math.round(ranMs / 1000),
        Timeout: 2880,
        MaxCapacity: 10,
        WorkerType: "G.1X",
        NumberOfWorkers: 10,
        LogGroupName: "/aws-glue/jobs",
        GlueVersion: "4.0",
        ExecutionClass: "STANDARD",
      },
    };
  }
}

/** A run's JobRunState at `now`: WAITING while held, STARTING, RUNNING, then how its attempt ended. */
function runState(run: FakeGlueRun, now: number): string {
  if (now >= run.endedAt) return run.outcome;
  if (now >= run.runningAt) return "RUNNING";
  if (run.waitingUntil !== undefined && now < run.waitingUntil) return "WAITING";
  return "STARTING";
}

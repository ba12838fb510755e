// AWS Batch's resources, as preflight (and a stuck job's report) reads them:
// DescribeJobQueues, DescribeComputeEnvironments and DescribeJobDefinitions
// (restJson1, `POST /v1/describe...`). Named by name or ARN (job definitions
// by `NAME:REVISION` or ARN too); a name nobody has is left out of the answer,
// never an error, as the real service does. A deregistered job definition
// revision is still described, INACTIVE.

import { AwsFault } from "./types.js";

export type BatchState = "ENABLED" | "DISABLED";
export type BatchStatus = "CREATING" | "UPDATING" | "DELETING" | "DELETED" | "VALID" | "INVALID";

export interface FakeJobQueue {
  name: string;
  state?: BatchState;
  status?: BatchStatus;
  statusReason?: string;
  /** Compute environment names, in order. */
  computeEnvironments: string[];
}

export interface FakeComputeEnvironment {
  name: string;
  type?: "MANAGED" | "UNMANAGED";
  state?: BatchState;
  status?: BatchStatus;
  statusReason?: string;
  maxvCpus?: number;
  desiredvCpus?: number;
}

export class BatchResources {
  private readonly queues = new Map<string, FakeJobQueue>();
  private readonly environments = new Map<string, FakeComputeEnvironment>();
  /** name -> revision -> status */
  private readonly definitions = new Map<string, Map<number, "ACTIVE" | "INACTIVE">>();

  constructor(
    private readonly accountId: string,
    private readonly region: string,
  ) {}

  putJobQueue(queue: FakeJobQueue): void {
    this.queues.set(queue.name, queue);
  }
  hasJobQueue(name: string): boolean {
    return this.queues.has(name);
  }
  hasJobDefinition(name: string): boolean {
    return this.definitions.has(name);
  }
  deleteJobQueue(name: string): void {
    this.queues.delete(name);
  }
  putComputeEnvironment(environment: FakeComputeEnvironment): void {
    this.environments.set(environment.name, environment);
  }
  /** Register revisions 1..latest of a job definition, all ACTIVE. */
  registerJobDefinition(name: string, latest: number): void {
    const revisions = new Map<number, "ACTIVE" | "INACTIVE">();
    for (let revision = 1; revision <= latest; revision++) revisions.set(revision, "ACTIVE");
    this.definitions.set(name, revisions);
  }
  deregisterJobDefinition(name: string, revision: number): void {
    this.definitions.get(name)?.set(revision, "INACTIVE");
  }

  handles(operation: string): boolean {
    return ["DescribeJobQueues", "DescribeComputeEnvironments", "DescribeJobDefinitions"].includes(operation);
  }

  handle(operation: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case "DescribeJobQueues":
        return {
          jobQueues: names(input, "jobQueues", this.queues.keys())
            .map((given) => this.queues.get(nameOf(given, "job-queue")))
            .filter((q): q is FakeJobQueue => q !== undefined)
            .map((q) => this.queueDetail(q)),
        };
      case "DescribeComputeEnvironments":
        return {
          computeEnvironments: names(input, "computeEnvironments", this.environments.keys())
            .map((given) => this.environments.get(nameOf(given, "compute-environment")))
            .filter((e): e is FakeComputeEnvironment => e !== undefined)
            .map((e) => this.environmentDetail(e)),
        };
      default:
        return { jobDefinitions: this.describeDefinitions(input) };
    }
  }

  private arn(kind: string, name: string): string {
    return `arn:aws:batch:${this.region}:${this.accountId}:${kind}/${name}`;
  }

  private queueDetail(q: FakeJobQueue): Record<string, unknown> {
    return {
      jobQueueName: q.name,
      jobQueueArn: this.arn("job-queue", q.name),
      state: q.state ?? "ENABLED",
      status: q.status ?? "VALID",
      ...(q.statusReason ? { statusReason: q.statusReason } : {}),
      priority: 1,
      jobStateTimeLimitActions: [],
      computeEnvironmentOrder: q.computeEnvironments.map((name, order) => ({
        order: order + 1,
        computeEnvironment: this.arn("compute-environment", name),
      })),
      tags: {},
    };
  }

  private environmentDetail(e: FakeComputeEnvironment): Record<string, unknown> {
    const type = e.type ?? "MANAGED";
    return {
      computeEnvironmentName: e.name,
      computeEnvironmentArn: this.arn("compute-environment", e.name),
      type,
      state: e.state ?? "ENABLED",
      status: e.status ?? "VALID",
      ...(e.statusReason ? { statusReason: e.statusReason } : {}),
      serviceRole: `arn:aws:iam::${this.accountId}:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch`,
      ...(type === "MANAGED"
        ? {
            computeResources: {
              type: "EC2",
              minvCpus: 0,
              maxvCpus: e.maxvCpus ?? 256,
              desiredvCpus: e.desiredvCpus ?? 0,
              instanceTypes: ["optimal"],
              subnets: ["subnet-0abc"],
              securityGroupIds: ["sg-0abc"],
              instanceRole: "ecsInstanceRole",
            },
          }
        : {}),
    };
  }

  private describeDefinitions(input: Record<string, unknown>): Record<string, unknown>[] {
    const status = typeof input.status === "string" ? input.status : undefined;
    const byName = typeof input.jobDefinitionName === "string" ? input.jobDefinitionName : undefined;
    const wanted = Array.isArray(input.jobDefinitions) ? (input.jobDefinitions as unknown[]) : undefined;
    if (wanted?.some((w) => typeof w !== "string"))
      throw new AwsFault("ClientException", "jobDefinitions must be a list of strings");
    const all = [...this.definitions].flatMap(([name, revisions]) =>
      [...revisions].map(([revision, s]) => ({ name, revision, status: s })),
    );
    const selected = all.filter((d) => {
      if (byName !== undefined && d.name !== byName) return false;
      if (status !== undefined && d.status !== status) return false;
      if (!wanted) return true;
      return (wanted as string[]).some((w) => {
        const given = nameOf(w, "job-definition");
        // NAME:REV names one revision; a bare NAME every ACTIVE one (the API reference).
        const [name, revision] = given.split(":");
        return revision === undefined
          ? name === d.name && d.status === "ACTIVE"
          : name === d.name && Number(revision) === d.revision;
      });
    });
    return selected.map((d) => ({
      jobDefinitionName: d.name,
      jobDefinitionArn: this.arn("job-definition", `${d.name}:${d.revision}`),
      revision: d.revision,
      status: d.status,
      type: "container",
      containerProperties: { image: "batch-inference:latest", vcpus: 4, memory: 16384 },
      platformCapabilities: ["EC2"],
    }));
  }
}

/** The names asked for, or every name when the list is omitted (the API lists them all then). */
function names(input: Record<string, unknown>, field: string, all: Iterable<string>): string[] {
  const value = input[field];
  if (value === undefined || value === null) return [...all];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
    throw new AwsFault("ClientException", `${field} must be a list of names or ARNs`);
  if (value.length > 100) throw new AwsFault("ClientException", `${field}: at most 100`);
  return value as string[];
}

/** `arn:...:KIND/NAME` or NAME: NAME. */
function nameOf(given: string, kind: string): string {
  const marker = `:${kind}/`;
  const at = given.indexOf(marker);
  return at >= 0 ? given.slice(at + marker.length) : given;
}

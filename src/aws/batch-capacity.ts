// AWS Batch, as far as stuck detection reads it: DescribeJobs for up to 100
// jobs a call, and, for a job stuck RUNNABLE, its queue and that queue's
// compute environments (DescribeJobQueues, DescribeComputeEnvironments). Part
// of the logs bundle with ./batch-log.ts, so the SDK is parsed only when a
// running Batch job is looked at.

import {
  type BatchClient,
  DescribeComputeEnvironmentsCommand,
  DescribeJobQueuesCommand,
  DescribeJobsCommand,
} from "@aws-sdk/client-batch";
import { send } from "./send.js";

/** DescribeJobs takes at most this many job ids a call (the API reference). */
export const DESCRIBE_JOBS_MAX = 100;

export interface BatchJobStatus {
  jobId: string;
  status: string;
  statusReason?: string;
  jobQueue?: string;
}

/** The status of each job, 100 ids a call; a job DescribeJobs does not know is left out. */
export async function describeJobStatuses(
  client: BatchClient,
  jobIds: readonly string[],
  signal: AbortSignal,
): Promise<BatchJobStatus[]> {
  const out: BatchJobStatus[] = [];
  for (let i = 0; i < jobIds.length; i += DESCRIBE_JOBS_MAX) {
    const page = await send(
      client,
      new DescribeJobsCommand({ jobs: jobIds.slice(i, i + DESCRIBE_JOBS_MAX) }),
      signal,
    );
    for (const job of page.jobs ?? []) {
      if (!job.jobId) continue;
      out.push({
        jobId: job.jobId,
        status: job.status ?? "UNKNOWN",
        ...(job.statusReason ? { statusReason: job.statusReason } : {}),
        ...(job.jobQueue ? { jobQueue: job.jobQueue } : {}),
      });
    }
  }
  return out;
}

export interface CapacityFacts {
  name: string;
  state?: string;
  status?: string;
  statusReason?: string;
  desiredvCpus?: number;
  maxvCpus?: number;
}

/** A queue and its compute environments, in the queue's order: why a RUNNABLE job does not start. */
export async function describeQueueCapacity(
  client: BatchClient,
  jobQueue: string,
  signal: AbortSignal,
): Promise<{ queue?: CapacityFacts; environments: CapacityFacts[] }> {
  const queues = await send(client, new DescribeJobQueuesCommand({ jobQueues: [jobQueue] }), signal);
  const queue = queues.jobQueues?.[0];
  if (!queue) return { environments: [] };
  const order = [...(queue.computeEnvironmentOrder ?? [])].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  const names = order.flatMap((entry) => (entry.computeEnvironment ? [entry.computeEnvironment] : []));
  const described =
    names.length > 0
      ? ((await send(client, new DescribeComputeEnvironmentsCommand({ computeEnvironments: names }), signal))
          .computeEnvironments ?? [])
      : [];
  const byArn = new Map(described.map((ce) => [ce.computeEnvironmentArn ?? "", ce]));
  return {
    queue: {
      name: queue.jobQueueName ?? jobQueue,
      ...(queue.state ? { state: queue.state } : {}),
      ...(queue.status ? { status: queue.status } : {}),
      ...(queue.statusReason ? { statusReason: queue.statusReason } : {}),
    },
    environments: names.map((arn) => {
      const ce = byArn.get(arn) ?? described.find((candidate) => candidate.computeEnvironmentName === arn);
      return {
        name: ce?.computeEnvironmentName ?? arn.replace(/^.*compute-environment\//, ""),
        ...(ce?.state ? { state: ce.state } : {}),
        ...(ce?.status ? { status: ce.status } : {}),
        ...(ce?.statusReason ? { statusReason: ce.statusReason } : {}),
        ...(ce?.computeResources?.desiredvCpus !== undefined
          ? { desiredvCpus: ce.computeResources.desiredvCpus }
          : {}),
        ...(ce?.computeResources?.maxvCpus !== undefined ? { maxvCpus: ce.computeResources.maxvCpus } : {}),
      };
    }),
  };
}

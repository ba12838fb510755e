// AWS Batch, as far as --follow-logs reads it: DescribeJobs is the only API
// that names a running job's log stream (the execution history names it only
// in the failure cause, once the job has ended). Part of the logs bundle
// (dist/batchinf-logs.mjs, re-exported by ./logs.ts), so its SDK is parsed only
// when a Batch task's log is followed.

import { BatchClient, type BatchClientConfig, DescribeJobsCommand } from "@aws-sdk/client-batch";
import { send } from "./send.js";

export { BatchClient };

export function createBatchClient(config: BatchClientConfig): BatchClient {
  return new BatchClient(config);
}

export interface BatchJobLog {
  /** SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, SUCCEEDED or FAILED; NOT_FOUND when DescribeJobs does not know the id. */
  status: string;
  /** Set once the container reaches RUNNING. */
  logStreamName?: string;
  /** The container's `awslogs-group`, when its job definition names one (else Batch's `/aws/batch/job`). */
  logGroup?: string;
  /** The container's log driver, when its job definition names one (`awslogs`, `splunk`, ...). */
  logDriver?: string;
}

/** One DescribeJobs call for one job: its status and, once it runs, where it logs. */
export async function describeBatchJobLog(
  client: BatchClient,
  jobId: string,
  abortSignal: AbortSignal,
): Promise<BatchJobLog> {
  const out = await send(client, new DescribeJobsCommand({ jobs: [jobId] }), abortSignal);
  const job = out.jobs?.find((candidate) => candidate.jobId === jobId) ?? out.jobs?.[0];
  // Just after SubmitJob, or past Batch's retention, DescribeJobs answers an empty list rather than an error.
  if (!job) return { status: "NOT_FOUND" };
  // A retried job's current attempt is the job's container; earlier ones are in `attempts`.
  const container = job.container;
  const driver = container?.logConfiguration?.logDriver;
  const status = job.status ?? "UNKNOWN";
  const stream = container?.logStreamName;
  if (!stream) return { status, ...(driver ? { logDriver: driver } : {}) };
  const group = container?.logConfiguration?.options?.["awslogs-group"];
  return {
    status,
    logStreamName: stream,
    ...(group ? { logGroup: group } : {}),
    ...(driver ? { logDriver: driver } : {}),
  };
}

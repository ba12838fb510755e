// CloudWatch Logs, as far as batchinf reads it: a few thin calls that take the
// client as an argument. This module (with @aws-sdk/client-cloudwatch-logs) is
// its own bundle, dist/batchinf-logs.mjs, loaded through ./load-logs.ts only
// when a log is read: a run that never fails and never follows logs does not
// parse it.

import {
  CloudWatchLogsClient,
  type CloudWatchLogsClientConfig,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { cleanCredentialUrlsInText } from "../secrets/url.js";
import { send } from "./send.js";

// A running Batch job's stream is known to batch:DescribeJobs alone: its thin call rides in this bundle too.
export {
  type BatchJobStatus,
  type CapacityFacts,
  DESCRIBE_JOBS_MAX,
  describeJobStatuses,
  describeQueueCapacity,
} from "./batch-capacity.js";
export { BatchClient, type BatchJobLog, createBatchClient, describeBatchJobLog } from "./batch-log.js";
// So is Glue's GetJobRun, for a run that may be stuck WAITING (its client comes from the preflight chunk).
export { type GlueRunStatus, getJobRunStatus } from "./glue-run.js";
export { CloudWatchLogsClient };

export function createLogsClient(config: CloudWatchLogsClientConfig): CloudWatchLogsClient {
  return new CloudWatchLogsClient(config);
}

/** One line of a CloudWatch Logs stream, credentials in URLs dropped. */
export interface LogLine {
  timestamp: number;
  message: string;
}

export interface LogEventsPage {
  lines: LogLine[];
  /** GetLogEvents always answers both; at the end of the stream, the token that was sent. */
  forwardToken?: string;
  backwardToken?: string;
}

export interface LogEventsRequest {
  group: string;
  stream: string;
  /** A token from an earlier page; it carries its own direction. */
  token?: string;
  /** true: oldest first (following); false: the newest page first (a tail). */
  fromHead: boolean;
  /** Events per page; the service's default is as many as fit in 1 MB, up to 10,000. */
  limit?: number;
  /** Only events at or after `startTime` and before `endTime` (epoch ms). */
  startTime?: number;
  endTime?: number;
}

/** One GetLogEvents page, in time order. */
export async function getLogEventsPage(
  client: CloudWatchLogsClient,
  request: LogEventsRequest,
  abortSignal: AbortSignal,
): Promise<LogEventsPage> {
  const out = await send(
    client,
    new GetLogEventsCommand({
      logGroupName: request.group,
      logStreamName: request.stream,
      startFromHead: request.fromHead,
      ...(request.token ? { nextToken: request.token } : {}),
      ...(request.limit ? { limit: request.limit } : {}),
      ...(request.startTime !== undefined ? { startTime: request.startTime } : {}),
      ...(request.endTime !== undefined ? { endTime: request.endTime } : {}),
    }),
    abortSignal,
  );
  const page: LogEventsPage = {
    lines: (out.events ?? []).map((event) => ({
      timestamp: event.timestamp ?? 0,
      // Lines are copied into build logs and reports: a URL's credentials go here, where they are read.
      message: cleanCredentialUrlsInText(trimNewline(event.message ?? "")),
    })),
  };
  if (out.nextForwardToken) page.forwardToken = out.nextForwardToken;
  if (out.nextBackwardToken) page.backwardToken = out.nextBackwardToken;
  return page;
}

export interface FilteredEvent extends LogLine {
  stream: string;
}

/**
 * One FilterLogEvents page: the group's events from `startTime` to `endTime`
 * (both included, epoch ms) whose message holds the quoted phrase `phrase`,
 * across its streams, in time order. `nextToken` while more may follow (a page
 * may be empty and still carry one).
 */
export async function filterLogEventsPage(
  client: CloudWatchLogsClient,
  request: { group: string; phrase: string; startTime: number; endTime?: number; token?: string },
  signal: AbortSignal,
): Promise<{ events: FilteredEvent[]; nextToken?: string }> {
  const out = await send(
    client,
    new FilterLogEventsCommand({
      logGroupName: request.group,
      // A quoted term matches the phrase as it is, `:` and `-` included.
      filterPattern: `"${request.phrase.replaceAll('"', "")}"`,
      startTime: request.startTime,
      ...(request.endTime !== undefined ? { endTime: request.endTime } : {}),
      ...(request.token ? { nextToken: request.token } : {}),
    }),
    signal,
  );
  const events = (out.events ?? []).map((event) => ({
    stream: event.logStreamName ?? "",
    timestamp: event.timestamp ?? 0,
    message: cleanCredentialUrlsInText(trimNewline(event.message ?? "")),
  }));
  return out.nextToken ? { events, nextToken: out.nextToken } : { events };
}

/** The names of the streams starting with `prefix`, in name order (one page: at most 50). */
export async function logStreamsWithPrefix(
  client: CloudWatchLogsClient,
  group: string,
  prefix: string,
  abortSignal: AbortSignal,
): Promise<string[]> {
  const out = await send(
    client,
    new DescribeLogStreamsCommand({ logGroupName: group, logStreamNamePrefix: prefix }),
    abortSignal,
  );
  return (out.logStreams ?? []).flatMap((stream) => stream.logStreamName ?? []);
}

/** Agents ship a line with its newline; the log prints one record per line anyway. */
function trimNewline(message: string): string {
  return message.replace(/\r?\n$/, "");
}

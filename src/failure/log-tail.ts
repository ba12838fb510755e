import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { partitionOf } from "../aws/arn.js";
import { isRetryableLater } from "../aws/errors.js";
import { loadLogs } from "../aws/load-logs.js";
import type { LogLine } from "../aws/logs.js";
import type { LogSource, TaskFailure } from "../execution/model.js";
import { findStream } from "../tasks/find-stream.js";
import { logStreamLink } from "../tasks/links.js";

export interface LogTailDeps {
  logs: CloudWatchLogsClient;
  /** `--log-lines`: how many of the last lines to show; 0 makes no call at all. */
  lines: number;
  /** For the log group ARN and the console link; default the client's region. */
  region?: string;
  /** The account, for the log group ARN in a denial warning; else read from the denial message. */
  account?: string;
  abortSignal: AbortSignal;
}

/** A backward walk stops after this many pages even if N lines were not found (empty pages cost calls too). */
const MAX_PAGES_PER_STREAM = 10;
/** Glue continuous logging: at most this many of the run's streams are read (the driver's first). */
const MAX_PREFIXED_STREAMS = 1;

/**
 * The failed task's last `lines` log lines, read from the first of its
 * `logSources` that has any (Glue: `/error`, then `/output`, then the
 * continuous-logging streams; Batch: the last attempt's stream). Never throws
 * for AWS reasons: a denied call, a missing group or stream, throttling that
 * outlasted the SDK's retries each become one warning, and the failure is
 * returned with what could be read. Calls: one GetLogEvents per page of up to
 * `lines` events, newest first, per source tried; one DescribeLogStreams for
 * the continuous-logging prefix if it comes to that.
 */
export async function fetchLogTail(failure: TaskFailure, given: LogTailDeps): Promise<TaskFailure> {
  const sources = failure.logSources ?? [];
  if (given.lines <= 0 || sources.length === 0) return failure;
  const api = await loadLogs();
  const deps = { ...given, region: given.region ?? (await given.logs.config.region()) };
  const missing: string[] = [];
  let emptyFound: { group: string; stream: string } | undefined;
  for (const source of sources) {
    let streams: string[];
    let range: Range = {};
    try {
      if (source.find) {
        const found = await foundStream(api, deps, source);
        if ("warning" in found) return withWarning(failure, found.warning);
        if ("missing" in found) {
          missing.push(found.missing);
          continue;
        }
        streams = [found.stream];
        range = found.range;
      } else {
        streams = source.prefix ? await prefixedStreams(api, deps, source) : [source.stream];
      }
    } catch (error) {
      const outcome = classify(error, source.find ? "FilterLogEvents" : "DescribeLogStreams", source, deps);
      if (outcome.kind === "missing") {
        missing.push(outcome.what);
        continue;
      }
      return withWarning(failure, outcome.warning);
    }
    if (streams.length === 0) missing.push(`no log stream starting with ${source.stream} in ${source.group}`);
    for (const stream of streams) {
      try {
        const lines = untilMarker(
          await tail(api, deps, source.group, stream, range),
          source.window?.endMarker,
        );
        if (lines.length === 0) {
          emptyFound ??= { group: source.group, stream };
          continue;
        }
        return withLog(failure, deps.region, source.group, stream, lines);
      } catch (error) {
        const outcome = classify(error, "GetLogEvents", { ...source, stream }, deps);
        if (outcome.kind === "missing") {
          missing.push(outcome.what);
          continue;
        }
        return withWarning(failure, outcome.warning);
      }
    }
  }
  if (emptyFound) return withLog(failure, deps.region, emptyFound.group, emptyFound.stream, []);
  return withWarning(failure, `no log to show: ${missing.join("; ")}`);
}

async function prefixedStreams(
  api: Awaited<ReturnType<typeof loadLogs>>,
  deps: LogTailDeps,
  source: LogSource,
): Promise<string[]> {
  const names = await api.logStreamsWithPrefix(deps.logs, source.group, source.stream, deps.abortSignal);
  // The driver's stream is named exactly the prefix (the run id); executors' add a suffix.
  const ordered = [...names.filter((n) => n === source.stream), ...names.filter((n) => n !== source.stream)];
  return ordered.slice(0, MAX_PREFIXED_STREAMS);
}

/** The lines up to the one starting with `marker` (what follows it in the stream is another task's). */
function untilMarker(lines: LogLine[], marker: string | undefined): LogLine[] {
  const at = marker ? lines.findIndex((line) => line.message.startsWith(marker)) : -1;
  return at >= 0 ? lines.slice(0, at + 1) : lines;
}

/** A part of a stream: events at or after `startTime`, before `endTime`. */
interface Range {
  startTime?: number;
  endTime?: number;
}

/**
 * A `find` source's stream and the part of it that is this task's: from the
 * event holding the phrase to the one starting with `window.endMarker` (its
 * time read with one more search), else to the window's end.
 */
async function foundStream(
  api: Awaited<ReturnType<typeof loadLogs>>,
  deps: LogTailDeps,
  source: LogSource,
): Promise<{ stream: string; range: Range } | { missing: string } | { warning: string }> {
  const found = await findStream(api, deps.logs, source, deps.abortSignal);
  if ("missing" in found) return found;
  if ("ambiguous" in found) {
    return {
      warning: `the task's log is not shown: ${found.ambiguous} lines hold "${source.find?.phrase}" in ${source.group} within the task's time window, so which is this task's cannot be told`,
    };
  }
  const marker = source.window?.endMarker;
  const end = marker
    ? await findStream(
        api,
        deps.logs,
        {
          group: source.group,
          stream: "",
          window: { ...source.window, start: found.from },
          find: { phrase: marker },
        },
        deps.abortSignal,
      )
    : undefined;
  const endTime =
    end && "from" in end
      ? end.from + 1
      : source.window?.end !== undefined
        ? source.window.end + 1
        : undefined;
  return {
    stream: found.stream,
    range: { startTime: found.from, ...(endTime !== undefined ? { endTime } : {}) },
  };
}

/** The last `deps.lines` lines (of `range`): the newest page, then backward tokens until enough or the same token back. */
async function tail(
  api: Awaited<ReturnType<typeof loadLogs>>,
  deps: LogTailDeps,
  group: string,
  stream: string,
  range: Range = {},
): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES_PER_STREAM && lines.length < deps.lines; page += 1) {
    const request = {
      group,
      stream,
      fromHead: false,
      limit: Math.min(deps.lines - lines.length, 10_000),
      ...range,
      ...(token ? { token } : {}),
    };
    const result = await api.getLogEventsPage(deps.logs, request, deps.abortSignal);
    lines.unshift(...result.lines);
    // The same backward token back means the start of the stream.
    if (!result.backwardToken || result.backwardToken === token) break;
    token = result.backwardToken;
  }
  return lines.slice(-deps.lines);
}

type Outcome = { kind: "missing"; what: string } | { kind: "warn"; warning: string };

/** AWS errors become a sentence; anything else (a bug, an abort) is still not worth failing the report for. */
function classify(
  error: unknown,
  operation: string,
  source: LogSource,
  deps: LogTailDeps & { region: string },
): Outcome {
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  if (name === "ResourceNotFoundException") {
    const what = /log group/i.test(message)
      ? `log group ${source.group} does not exist`
      : `log stream ${source.stream} not found in ${source.group}`;
    return { kind: "missing", what };
  }
  if (name === "AccessDeniedException" || name === "AccessDenied") {
    const account = deps.account ?? /arn:aws[a-z-]*:(?:sts|iam)::(\d{12}):/.exec(message)?.[1];
    const resource = account
      ? `arn:${partitionOf(deps.region)}:logs:${deps.region}:${account}:log-group:${source.group}:*`
      : `log group ${source.group}`;
    return {
      kind: "warn",
      warning: `the task's log is not shown: logs:${operation} is denied on ${resource} (grant it to see the log here)`,
    };
  }
  if (name === "AbortError" || deps.abortSignal?.aborted) {
    const reason = deps.abortSignal?.reason;
    const interrupted = reason === "SIGINT" || reason === "SIGTERM";
    return {
      kind: "warn",
      warning: `the task's log is not shown: reading it was ${interrupted ? "interrupted" : "cut short: CloudWatch Logs did not answer in time"}`,
    };
  }
  // The SDK's own classification: what its retry strategy retried before giving up.
  const retried = isRetryableLater(error);
  return {
    kind: "warn",
    warning: `the task's log is not shown: ${operation} on ${source.group} failed${retried ? " after the SDK's retries" : ""}: ${name || "Error"}: ${message}`,
  };
}

function withWarning(failure: TaskFailure, warning: string): TaskFailure {
  return { ...failure, warnings: [...failure.warnings, warning] };
}

/** The log read, and the console link pointed at the stream it came from (it may not be the first tried). */
function withLog(
  failure: TaskFailure,
  region: string,
  group: string,
  stream: string,
  lines: LogLine[],
): TaskFailure {
  const url = logStreamLink(region, group, stream);
  const links = failure.links.filter((link) => link.label !== "log");
  if (url) links.push({ label: "log", url });
  return { ...failure, links, log: { group, stream, lines } };
}

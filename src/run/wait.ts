import type { DescribeExecutionCommandOutput, SFNClient } from "@aws-sdk/client-sfn";
import { awsFailure } from "../aws/errors.js";
import { describeExecution, stopExecution } from "../aws/sfn.js";
import { formatDuration } from "../duration.js";
import type { Logger } from "../io/log.js";
import { HistoryReader } from "./history.js";
import { ExecutionTracker } from "./tracker.js";

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export interface WaitOptions {
  pollInterval: number;
  maxPollInterval: number;
  timeout?: number;
  stopOnTimeout: boolean;
  onAbort: "stop" | "detach";
  /** Jenkins' BUILD_URL, put in the StopExecution cause so the console says who stopped it. */
  buildUrl?: string;
}

export interface WaitDeps {
  client: SFNClient;
  region: string;
  log: Logger;
  now: () => number;
  sleep: Sleep;
  /** Aborted with the signal name as reason when SIGINT/SIGTERM arrives. */
  interrupt: AbortSignal;
}

export type WaitOutcome =
  | {
      kind: "ended";
      execution: DescribeExecutionCommandOutput;
      tracker: ExecutionTracker;
      history: HistoryReader;
    }
  | {
      kind: "timeout";
      stopped: boolean;
      execution?: DescribeExecutionCommandOutput;
      tracker: ExecutionTracker;
      history: HistoryReader;
    }
  | {
      kind: "interrupted";
      signal: "SIGINT" | "SIGTERM";
      stopped: boolean;
      execution?: DescribeExecutionCommandOutput;
      tracker: ExecutionTracker;
      history: HistoryReader;
    };

/** Poll errors in a row absorbed on top of the SDK's own retries (which a long wait can drain)... */
const MAX_CONSECUTIVE_POLL_ERRORS = 30;
/** ...and for at most this long: an outage longer than this is not weather. */
const MAX_FAILING_MS = 5 * 60_000;
/** DescribeExecution and the history are eventually consistent right after a start. */
const CONSISTENCY_WINDOW_MS = 60_000;
/** How long to wait for ABORTED after StopExecution. */
const STOP_CONFIRM_MS = 15_000;

const TRANSIENT =
  /Throttl|TooManyRequests|RequestLimitExceeded|ServiceUnavailable|InternalServerError|InternalFailure|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|socket hang up|TimeoutError/i;

/**
 * Follow an execution to its end. Each poll reads only new history events.
 * The interval starts at --poll-interval, grows by half with each quiet poll
 * up to --max-poll-interval (which bounds the delay between the execution's
 * end and our exit), and drops back to --poll-interval when events arrive:
 * states come in bursts, and the end often follows a state's exit closely.
 * Sleep and clock are injected, so tests never wait on wall time.
 */
export async function followExecution(
  executionArn: string,
  startedAt: number,
  options: WaitOptions,
  deps: WaitDeps,
): Promise<WaitOutcome> {
  const { log, now } = deps;
  const history = new HistoryReader(deps.client, executionArn);
  const tracker = new ExecutionTracker(log, startedAt);
  const deadline = options.timeout === undefined ? Number.POSITIVE_INFINITY : now() + options.timeout;
  let interval = options.pollInterval;
  let errorsInARow = 0;
  let failingSince = 0;

  for (;;) {
    if (deps.interrupt.aborted) return interrupted(executionArn, options, deps, tracker, history);
    let active = false;
    try {
      const events = await history.readNew();
      tracker.apply(events);
      active = events.length > 0;
      errorsInARow = 0;
    } catch (error: unknown) {
      errorsInARow++;
      if (errorsInARow === 1) failingSince = now();
      const persistent = errorsInARow > MAX_CONSECUTIVE_POLL_ERRORS || now() - failingSince > MAX_FAILING_MS;
      if (persistent || !isAbsorbable(error, now() - startedAt)) {
        throw awsFailure(error, {
          operation: "states:GetExecutionHistory",
          region: deps.region,
          resource: executionArn,
        });
      }
      log.warn(`polling failed (${errorName(error)}); trying again in ${formatDuration(interval)}`);
    }
    if (tracker.terminal) {
      const execution = await describeEnded(
        deps,
        executionArn,
        startedAt,
        options.pollInterval,
        tracker.terminal,
      );
      if (execution !== "redriven") return { kind: "ended", execution, tracker, history };
      // The end we saw belongs to an earlier run: the execution was redriven since.
      tracker.resume();
      log.info("the execution was redriven; following its new run");
    }
    if (now() >= deadline) return timedOut(executionArn, options, deps, tracker, history);
    await deps.sleep(Math.max(0, Math.min(interval, deadline - now())), deps.interrupt);
    // Something happened: the next thing (a short state, the end) may follow
    // soon, so look again soon. Quiet polls back off towards the maximum.
    interval = active ? options.pollInterval : Math.min(Math.round(interval * 1.5), options.maxPollInterval);
  }
}

async function timedOut(
  executionArn: string,
  options: WaitOptions,
  deps: WaitDeps,
  tracker: ExecutionTracker,
  history: HistoryReader,
): Promise<WaitOutcome> {
  const limit = formatDuration(options.timeout ?? 0);
  if (!options.stopOnTimeout) {
    deps.log.warn(
      `--timeout ${limit} reached; the execution keeps running (pass --stop-on-timeout to stop it).`,
    );
    return { kind: "timeout", stopped: false, tracker, history };
  }
  deps.log.warn(`--timeout ${limit} reached; stopping the execution (--stop-on-timeout).`);
  const execution = await stopAndConfirm(executionArn, `batchinf --timeout ${limit} reached`, options, deps);
  return { kind: "timeout", stopped: isStopped(execution), execution, tracker, history };
}

async function interrupted(
  executionArn: string,
  options: WaitOptions,
  deps: WaitDeps,
  tracker: ExecutionTracker,
  history: HistoryReader,
): Promise<WaitOutcome> {
  const signal = deps.interrupt.reason === "SIGINT" ? "SIGINT" : "SIGTERM";
  if (options.onAbort === "detach") {
    deps.log.warn(`${signal} received; detaching (--on-abort detach): the execution keeps running.`);
    return { kind: "interrupted", signal, stopped: false, tracker, history };
  }
  deps.log.warn(`${signal} received; stopping the execution (--on-abort stop).`);
  const execution = await stopAndConfirm(executionArn, `build aborted (${signal})`, options, deps);
  return { kind: "interrupted", signal, stopped: isStopped(execution), execution, tracker, history };
}

function isStopped(execution: DescribeExecutionCommandOutput | undefined): boolean {
  return execution?.status !== undefined && execution.status !== "RUNNING";
}

/** StopExecution exactly once, then watch for ABORTED within a bound. */
async function stopAndConfirm(
  executionArn: string,
  reason: string,
  options: WaitOptions,
  deps: WaitDeps,
): Promise<DescribeExecutionCommandOutput | undefined> {
  const cause = `Stopped by batchinf: ${reason}${options.buildUrl ? ` in ${options.buildUrl}` : ""}`;
  try {
    await stopExecution(deps.client, executionArn, "batchinf.Aborted", cause);
  } catch (error: unknown) {
    // The reason we are ending (a signal, --timeout) still decides the exit code; say the stop failed.
    const failure = awsFailure(error, {
      operation: "states:StopExecution",
      region: deps.region,
      resource: executionArn,
    });
    deps.log.error(`${failure.message} The execution is still running.`);
    return undefined;
  }
  const until = deps.now() + STOP_CONFIRM_MS;
  // The signal that brought us here is already aborted; confirmation sleeps must not be cut short by it.
  const never = new AbortController().signal;
  for (;;) {
    const execution = await describeExecution(deps.client, executionArn).catch(() => undefined);
    if (execution && execution.status !== "RUNNING") {
      deps.log.info(`execution ${execution.status}`);
      return execution;
    }
    if (deps.now() >= until) {
      deps.log.warn(
        `StopExecution sent, but the execution still showed RUNNING after ${formatDuration(STOP_CONFIRM_MS)}.`,
      );
      return execution;
    }
    await deps.sleep(1_000, never);
  }
}

const TERMINAL = new Set(["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]);
/** DescribeExecution is eventually consistent: a few tries for it to agree with the history. */
const DESCRIBE_TRIES = 5;

/**
 * The history says the execution ended; DescribeExecution gives its output,
 * stop date and cause. It may lag behind the history (try again), or show a
 * redrive that started after the end we saw ("redriven": keep following).
 * If it never agrees, the history's word stands.
 */
async function describeEnded(
  deps: WaitDeps,
  executionArn: string,
  startedAt: number,
  retryAfterMs: number,
  seen: NonNullable<ExecutionTracker["terminal"]>,
): Promise<DescribeExecutionCommandOutput | "redriven"> {
  const never = new AbortController().signal;
  let last: DescribeExecutionCommandOutput | undefined;
  for (let attempt = 1; attempt <= DESCRIBE_TRIES + MAX_CONSECUTIVE_POLL_ERRORS; attempt++) {
    try {
      last = await describeExecution(deps.client, executionArn);
      const redrivenAfter = last.redriveDate !== undefined && last.redriveDate.getTime() >= seen.at;
      if (last.status === "PENDING_REDRIVE" || (last.status === "RUNNING" && redrivenAfter))
        return "redriven";
      if (last.status !== undefined && TERMINAL.has(last.status)) return last;
      if (attempt >= DESCRIBE_TRIES) break;
    } catch (error: unknown) {
      if (attempt > MAX_CONSECUTIVE_POLL_ERRORS || !isAbsorbable(error, deps.now() - startedAt)) {
        throw awsFailure(error, {
          operation: "states:DescribeExecution",
          region: deps.region,
          resource: executionArn,
        });
      }
    }
    await deps.sleep(retryAfterMs, never);
  }
  deps.log.debug(`DescribeExecution still says ${last?.status}; the history's ${seen.status} stands`);
  return {
    ...(last ?? { $metadata: {} }),
    status: seen.status,
    ...(seen.error ? { error: seen.error } : {}),
    ...(seen.cause ? { cause: seen.cause } : {}),
    stopDate: new Date(seen.at),
  } as DescribeExecutionCommandOutput;
}

/** Throttling, 5xx and dropped connections pass; so does "does not exist" just after a start. */
function isAbsorbable(error: unknown, sinceStart: number): boolean {
  const name = errorName(error);
  if (name === "ExecutionDoesNotExist") return sinceStart < CONSISTENCY_WINDOW_MS;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  return (
    status >= 500 ||
    TRANSIENT.test(`${name} ${(error as Error)?.message ?? ""} ${(error as { code?: string }).code ?? ""}`)
  );
}

function errorName(error: unknown): string {
  return (error as { name?: string })?.name ?? String(error);
}

import type { DescribeExecutionCommandOutput, SFNClient } from "@aws-sdk/client-sfn";
import { awsErrorName, awsFailure, classifyAwsError, isRetryableLater } from "../aws/errors.js";
import { describeExecution } from "../aws/sfn.js";
import { formatDuration } from "../duration.js";
import type { Sleep } from "../io/sleep.js";
import { deadlineSignal } from "./deadline.js";
import type { HistoryReader } from "./history-reader.js";
import type { Emit, TerminalStatus } from "./model.js";
import { type Expectations, PollSchedule } from "./poll-schedule.js";
import { type StopOutcome, stopWithin } from "./stop.js";
import type { ExecutionTracker } from "./tracker.js";

export interface FollowOptions {
  pollInterval: number;
  maxPollInterval: number;
  timeout?: number;
  stopOnTimeout: boolean;
  onAbort: "stop" | "detach";
  /** On a signal: the stop, its confirmation and the reports fit in this. */
  abortTimeout: number;
  /** Jenkins' BUILD_URL, put in the StopExecution cause so the console says who stopped it. */
  buildUrl?: string;
}

export interface FollowDeps {
  client: SFNClient;
  /** For StopExecution and its confirmation under a deadline (default `client`). */
  stopClient?: SFNClient;
  region: string;
  now: () => number;
  sleep: Sleep;
  /** Aborted with the signal name as reason when SIGINT/SIGTERM arrives; every call gets it. */
  interrupt: AbortSignal;
  emit: Emit;
  /** Called once per poll with the running state runs (--follow-logs); never throws. */
  onPoll?: (signal: AbortSignal) => Promise<void>;
  /** What past runs say about this one, once known (asked each poll): the schedule polls densely around expected ends. */
  expectations?: () => Expectations | undefined;
}

export type FollowResult =
  | { kind: "ended"; status: TerminalStatus; execution: DescribeExecutionCommandOutput }
  | { kind: "timeout"; stop?: StopOutcome }
  | { kind: "interrupted"; signal: "SIGINT" | "SIGTERM"; stop?: StopOutcome };

/** Poll errors in a row absorbed on top of the SDK's own retries (which a long wait can drain)... */
const MAX_CONSECUTIVE_POLL_ERRORS = 30;
/** ...and for at most this long: an outage longer than this is not weather. */
const MAX_FAILING_MS = 5 * 60_000;
/** DescribeExecution and the history are eventually consistent right after a start. */
const CONSISTENCY_WINDOW_MS = 60_000;
/** Time kept back from the abort budget for writing the result and reports. */
export const REPORT_RESERVE_MS = 300;
const TERMINAL = new Set(["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]);
/** DescribeExecution is eventually consistent: a few tries for it to agree with the history. */
const DESCRIBE_TRIES = 5;

/**
 * Follow an execution to its end. Each poll reads only new history events;
 * when to poll next is the PollSchedule's: it follows what is running (and
 * when past runs say each state should end), never waiting longer than
 * --max-poll-interval, which bounds the delay between the execution's end
 * and our exit. Throttling doubles the interval instead. Sleep and clock are
 * injected.
 */
export async function followExecution(
  executionArn: string,
  startedAt: number,
  tracker: ExecutionTracker,
  reader: HistoryReader,
  options: FollowOptions,
  deps: FollowDeps,
): Promise<FollowResult> {
  const { now } = deps;
  const deadlineAt = options.timeout === undefined ? Number.POSITIVE_INFINITY : now() + options.timeout;
  // At the deadline a call in flight is cut short too: a poll that never answers must not outlast --timeout.
  const deadline = deadlineSignal(deadlineAt, now);
  // Every call of the loop is cut short by the interrupt or by the deadline, whichever comes first.
  const signal = AbortSignal.any([deps.interrupt, deadline.signal]);
  try {
    const schedule = new PollSchedule(options);
    let interval = options.pollInterval;
    let errorsInARow = 0;
    let failingSince = 0;
    let announcedForward = false;

    for (;;) {
      if (deps.interrupt.aborted) return interrupted(executionArn, options, deps);
      if (deadline.signal.aborted) return timedOut(executionArn, options, deps);
      try {
        await reader.readNew(signal);
        errorsInARow = 0;
        const expectations = deps.expectations?.();
        interval = schedule.next({
          now: now(),
          running: tracker.running(),
          ...(expectations ? { expectations } : {}),
        });
        if (reader.readsForward && !announcedForward) {
          announcedForward = true;
          deps.emit({
            type: "notice",
            at: now(),
            level: "warn",
            message:
              "the endpoint ignores reverseOrder in GetExecutionHistory; reading the history from the start each poll",
          });
        }
      } catch (error: unknown) {
        if (deps.interrupt.aborted) return interrupted(executionArn, options, deps);
        if (deadline.signal.aborted) return timedOut(executionArn, options, deps);
        errorsInARow++;
        if (errorsInARow === 1) failingSince = now();
        const persistent =
          errorsInARow > MAX_CONSECUTIVE_POLL_ERRORS || now() - failingSince > MAX_FAILING_MS;
        if (persistent || !absorbable(error, now() - startedAt)) {
          throw awsFailure(error, {
            operation: "states:GetExecutionHistory",
            region: deps.region,
            resource: executionArn,
          });
        }
        const throttled = classifyAwsError(error) === "throttling";
        interval = schedule.afterError(throttled);
        deps.emit({
          type: "poll-retry",
          at: now(),
          operation: "GetExecutionHistory",
          error: awsErrorName(error),
          throttled,
          retryInMs: interval,
        });
      }
      if (tracker.terminal) {
        const execution = await describeEnded(deps, signal, executionArn, options.pollInterval, tracker);
        if (execution !== "redriven") {
          return { kind: "ended", status: execution.status as TerminalStatus, execution };
        }
        // The end we saw belongs to an earlier run: the execution was redriven since.
        tracker.resume();
      }
      if (deps.onPoll) await deps.onPoll(signal);
      if (now() >= deadlineAt || deadline.signal.aborted) return timedOut(executionArn, options, deps);
      await deps.sleep(Math.max(0, Math.min(interval, deadlineAt - now())), signal);
    }
  } finally {
    deadline.dispose();
  }
}

async function timedOut(
  executionArn: string,
  options: FollowOptions,
  deps: FollowDeps,
): Promise<FollowResult> {
  const limit = options.timeout ?? 0;
  deps.emit({ type: "timeout", at: deps.now(), limitMs: limit, stopping: options.stopOnTimeout });
  if (!options.stopOnTimeout) return { kind: "timeout" };
  const stop = await stopAndReport(
    executionArn,
    `batchinf --timeout ${formatDuration(limit)} reached`,
    deps.now() + Math.max(options.abortTimeout, 10_000),
    options,
    deps,
  );
  return { kind: "timeout", stop };
}

async function interrupted(
  executionArn: string,
  options: FollowOptions,
  deps: FollowDeps,
): Promise<FollowResult> {
  const signal = deps.interrupt.reason === "SIGINT" ? "SIGINT" : "SIGTERM";
  deps.emit({ type: "interrupted", at: deps.now(), signal, action: options.onAbort, started: true });
  if (options.onAbort === "detach") return { kind: "interrupted", signal };
  const deadline = deps.now() + Math.max(0, options.abortTimeout - REPORT_RESERVE_MS);
  const stop = await stopAndReport(executionArn, `build aborted (${signal})`, deadline, options, deps);
  return { kind: "interrupted", signal, stop };
}

export async function stopAndReport(
  executionArn: string,
  reason: string,
  deadline: number,
  options: Pick<FollowOptions, "buildUrl">,
  deps: Pick<FollowDeps, "client" | "stopClient" | "region" | "now" | "sleep" | "emit"> & {
    possiblyStarted?: boolean;
  },
): Promise<StopOutcome> {
  const cause = `Stopped by batchinf: ${reason}${options.buildUrl ? ` in ${options.buildUrl}` : ""}`;
  deps.emit({ type: "stop-sent", at: deps.now(), reason });
  const stop = await stopWithin(executionArn, cause, deadline, {
    ...deps,
    client: deps.stopClient ?? deps.client,
  });
  deps.emit({
    type: "stop-result",
    at: deps.now(),
    confirmed: stop.confirmed,
    ...(stop.execution?.status ? { status: stop.execution.status } : {}),
    ...(stop.problem ? { error: stop.problem } : {}),
  });
  return stop;
}

/**
 * The history says the execution ended; DescribeExecution gives its output,
 * stop date and cause. It may lag behind the history (try again), or show a
 * redrive that started after the end we saw ("redriven": keep following).
 * If it never agrees, the history's word stands.
 */
async function describeEnded(
  deps: FollowDeps,
  signal: AbortSignal,
  executionArn: string,
  retryAfterMs: number,
  tracker: ExecutionTracker,
): Promise<DescribeExecutionCommandOutput | "redriven"> {
  const seen = tracker.terminal as NonNullable<ExecutionTracker["terminal"]>;
  let last: DescribeExecutionCommandOutput | undefined;
  for (let attempt = 1; attempt <= DESCRIBE_TRIES + MAX_CONSECUTIVE_POLL_ERRORS; attempt++) {
    try {
      last = await describeExecution(deps.client, executionArn, signal);
      const redrivenAfter = last.redriveDate !== undefined && last.redriveDate.getTime() >= seen.at;
      if (last.status === "PENDING_REDRIVE" || (last.status === "RUNNING" && redrivenAfter))
        return "redriven";
      if (last.status !== undefined && TERMINAL.has(last.status)) return last;
      if (attempt >= DESCRIBE_TRIES) break;
    } catch (error: unknown) {
      // Interrupted (or out of time) after the end was seen: the end stands, there is nothing left to stop.
      if (signal.aborted) break;
      // The history proved the execution exists: "does not exist" here is DescribeExecution lagging.
      if (attempt > MAX_CONSECUTIVE_POLL_ERRORS || !absorbable(error, 0)) {
        throw awsFailure(error, {
          operation: "states:DescribeExecution",
          region: deps.region,
          resource: executionArn,
        });
      }
    }
    await deps.sleep(retryAfterMs, signal);
    if (signal.aborted) break;
  }
  return {
    ...(last ?? { $metadata: {} }),
    status: seen.status,
    ...(seen.error ? { error: seen.error } : {}),
    ...(seen.cause ? { cause: seen.cause } : {}),
    stopDate: new Date(seen.at),
  } as DescribeExecutionCommandOutput;
}

/** Throttling, 5xx and dropped connections pass; so does "does not exist" just after a start. */
function absorbable(error: unknown, sinceStart: number): boolean {
  if (awsErrorName(error) === "ExecutionDoesNotExist") return sinceStart < CONSISTENCY_WINDOW_MS;
  return isRetryableLater(error);
}

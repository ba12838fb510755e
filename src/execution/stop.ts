import type { DescribeExecutionCommandOutput, SFNClient } from "@aws-sdk/client-sfn";
import { awsFailure } from "../aws/errors.js";
import { describeExecution, stopExecution } from "../aws/sfn.js";
import { MAX_TIMER_MS } from "../duration.js";
import type { Sleep } from "../io/sleep.js";

export interface StopOutcome {
  /** StopExecution was accepted. */
  sent: boolean;
  /** The execution was seen in a terminal status afterwards (ABORTED, or it ended first). */
  confirmed: boolean;
  execution?: DescribeExecutionCommandOutput;
  /** Why the stop could not be sent or confirmed, in one sentence. */
  problem?: string;
}

export interface StopDeps {
  client: SFNClient;
  region: string;
  now: () => number;
  sleep: Sleep;
}

/** Between confirmation polls: short, since the abort budget is a few seconds. */
const CONFIRM_INTERVAL_MS = 500;

/**
 * StopExecution once, then watch for it to take effect, all within
 * `deadline` (the abort budget: Jenkins sends SIGKILL a few seconds after
 * SIGTERM, and the result and reports must be written before that). Each call
 * is cut off at the deadline, SDK retries included; what could not be
 * confirmed in time is said, not waited for.
 */
export async function stopWithin(
  executionArn: string,
  cause: string,
  deadline: number,
  deps: StopDeps,
): Promise<StopOutcome> {
  const budget = new AbortController();
  // Node timers overflow past 2^31-1 ms; a longer budget is as good as that.
  const remaining = Math.min(MAX_TIMER_MS, Math.max(0, deadline - deps.now()));
  const timer = setTimeout(() => budget.abort(new Error("abort budget spent")), remaining);
  timer.unref?.();
  try {
    try {
      await stopExecution(
        deps.client,
        { executionArn, error: "batchinf.Aborted", cause: cause.slice(0, 32_768) },
        { abortSignal: budget.signal },
      );
    } catch (error: unknown) {
      if (budget.signal.aborted) {
        return {
          sent: false,
          confirmed: false,
          problem: "StopExecution did not answer within --abort-timeout",
        };
      }
      const failure = awsFailure(error, {
        operation: "states:StopExecution",
        region: deps.region,
        resource: executionArn,
      });
      return { sent: false, confirmed: false, problem: failure.message };
    }
    let last: DescribeExecutionCommandOutput | undefined;
    while (!budget.signal.aborted) {
      last = await describeExecution(deps.client, executionArn, { abortSignal: budget.signal }).catch(
        () => last,
      );
      if (last?.status !== undefined && last.status !== "RUNNING") {
        return { sent: true, confirmed: true, execution: last };
      }
      if (deps.now() + CONFIRM_INTERVAL_MS >= deadline) break;
      await deps.sleep(CONFIRM_INTERVAL_MS, budget.signal);
    }
    return {
      sent: true,
      confirmed: false,
      ...(last ? { execution: last } : {}),
      problem: "StopExecution was sent, but ABORTED was not confirmed within --abort-timeout",
    };
  } finally {
    clearTimeout(timer);
  }
}

import type { DescribeExecutionCommandOutput, SFNClient } from "@aws-sdk/client-sfn";
import { awsErrorName, awsFailure } from "../aws/errors.js";
import { describeExecution, stopExecution } from "../aws/sfn.js";
import type { Sleep } from "../io/sleep.js";
import { deadlineSignal } from "./deadline.js";

export interface StopOutcome {
  /** StopExecution was accepted: AWS answered it with success, so the stop took effect. */
  sent: boolean;
  /** A possibly-started execution was never found within the deadline: its start never took effect. */
  neverStarted?: boolean;
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
  /**
   * Its StartExecution was sent but never answered: it may not exist yet (the
   * start may still land). Wait for it to appear before the one StopExecution.
   */
  possiblyStarted?: boolean;
}

/** Between confirmation polls: short, since the abort budget is a few seconds. */
const CONFIRM_INTERVAL_MS = 500;
/** Between looks for a possibly-started execution: its start may land any moment. */
const EXISTENCE_INTERVAL_MS = 250;

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
  const budget = deadlineSignal(deadline, deps.now, "abort budget spent");
  try {
    if (deps.possiblyStarted) {
      const found = await awaitExistence(executionArn, deadline, budget.signal, deps);
      if (found === "never") {
        return {
          sent: false,
          confirmed: false,
          neverStarted: true,
          problem: `Execution ${executionArn} was not found within --abort-timeout: its start did not take effect`,
        };
      }
      if (found !== "running") return { sent: false, confirmed: true, execution: found };
    }
    try {
      await stopExecution(
        deps.client,
        { executionArn, error: "batchinf.Aborted", cause: cause.slice(0, 32_768) },
        budget.signal,
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
      last = await describeExecution(deps.client, executionArn, budget.signal).catch(() => last);
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
    budget.dispose();
  }
}

/**
 * A possibly-started execution, looked up until it exists or the deadline
 * passes: "running" (stop it), its description when it already ended, or
 * "never" when DescribeExecution kept saying ExecutionDoesNotExist.
 */
async function awaitExistence(
  executionArn: string,
  deadline: number,
  signal: AbortSignal,
  deps: StopDeps,
): Promise<"running" | "never" | DescribeExecutionCommandOutput> {
  while (!signal.aborted) {
    try {
      const execution = await describeExecution(deps.client, executionArn, signal);
      return execution.status === "RUNNING" || execution.status === undefined ? "running" : execution;
    } catch (error: unknown) {
      // Anything but "does not exist" (throttling, a 5xx): try the stop itself, which says what is wrong.
      if (signal.aborted) break;
      if (awsErrorName(error) !== "ExecutionDoesNotExist") return "running";
    }
    if (deps.now() + EXISTENCE_INTERVAL_MS >= deadline) break;
    await deps.sleep(EXISTENCE_INTERVAL_MS, signal);
  }
  return "never";
}

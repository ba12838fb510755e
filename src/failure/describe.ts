import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { Failure, StateRun } from "../execution/model.js";
import { fetchLogTail } from "./log-tail.js";
import { taskFailureOf } from "./task-failure.js";

export interface DescribeFailureDeps {
  region: string;
  account?: string;
  /** `--log-lines`; 0 makes no CloudWatch Logs call. */
  logLines: number;
  logs: () => Promise<CloudWatchLogsClient>;
  signal: AbortSignal;
}

/**
 * The failure with what a person would open the console for: the failed Glue
 * run or Batch job of the attempt that failed terminally (the last attempt of
 * the run blamed) and its log tail. Never throws: the exit code and the rest
 * of the report do not depend on it.
 */
export async function describeTaskFailure(
  failure: Failure,
  run: StateRun | undefined,
  deps: DescribeFailureDeps,
): Promise<Failure> {
  const attempt = run?.attempts[run.attempts.length - 1];
  if (!run || !attempt) return failure;
  const task = taskFailureOf(run, attempt, deps.region);
  if (!task) return failure;
  if (deps.logLines <= 0 || (task.logSources ?? []).length === 0) return { ...failure, task };
  try {
    const withLog = await fetchLogTail(task, {
      logs: await deps.logs(),
      lines: deps.logLines,
      region: deps.region,
      ...(deps.account ? { account: deps.account } : {}),
      abortSignal: deps.signal,
    });
    return { ...failure, task: withLog };
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ...failure,
      task: { ...task, warnings: [...task.warnings, `could not read the task's log: ${message}`] },
    };
  }
}

import type { HistoryEvent, SFNClient } from "@aws-sdk/client-sfn";
import { getHistoryPage, listSucceededExecutions } from "../aws/sfn.js";
import { ExecutionTracker } from "../execution/tracker.js";
import { DurationSamples, type PastRuns } from "./medians.js";

/** GetExecutionHistory returns at most this many events a call. */
const MAX_PAGE = 1000;

export interface PastRunsOptions {
  /** How many of the newest successful runs (1-1000). */
  count: number;
  /** Waits for a slot before each call (the --max-api-rate budget). */
  pace: (operation: string, signal: AbortSignal) => Promise<void>;
  signal: AbortSignal;
}

/**
 * The last `count` SUCCEEDED executions of a state machine that were never
 * redriven (a redriven run's states restart midway), read for their timing:
 * one ListExecutions, then each history forward in pages of 1,000 without
 * inputs and outputs (`includeExecutionData: false`). Each history is folded
 * into durations as its pages arrive and then dropped, so memory does not
 * grow with the number of runs.
 */
export async function readPastRuns(
  client: SFNClient,
  stateMachineArn: string,
  options: PastRunsOptions,
): Promise<PastRuns> {
  const { signal, pace } = options;
  let calls = 0;
  await pace("ListExecutions", signal);
  calls++;
  const listed = await listSucceededExecutions(
    client,
    { stateMachineArn, maxResults: options.count },
    signal,
  );
  // An emulator may ignore the filters: keep to what was asked.
  const executions = (listed.executions ?? [])
    .filter((e) => e.status === "SUCCEEDED" && !(e.redriveCount && e.redriveCount > 0) && e.executionArn)
    .slice(0, options.count);
  const samples = new DurationSamples();
  for (const execution of executions) {
    const startedAt = execution.startDate?.getTime() ?? 0;
    const tracker = new ExecutionTracker(() => undefined, startedAt);
    let nextToken: string | undefined;
    do {
      await pace("GetExecutionHistory", signal);
      calls++;
      const page = await getHistoryPage(
        client,
        {
          executionArn: execution.executionArn as string,
          maxResults: MAX_PAGE,
          reverseOrder: false,
          includeExecutionData: false,
          ...(nextToken ? { nextToken } : {}),
        },
        signal,
      );
      for (const event of page.events ?? []) tracker.apply(event as HistoryEvent);
      nextToken = page.nextToken;
    } while (nextToken);
    const runMs =
      execution.startDate && execution.stopDate
        ? execution.stopDate.getTime() - execution.startDate.getTime()
        : undefined;
    samples.add(runMs, tracker.runs);
  }
  return samples.result(calls);
}

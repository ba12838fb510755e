// v2's poll cadence (src/execution/follow.ts at commit 1cc4569,
// followExecution), kept as the baseline that bench/follow-shapes.ts measures
// the current schedule against. Reduced to what decides when it calls AWS on
// a healthy execution: read what is new; once the history shows the end, one
// DescribeExecution (tried again after --poll-interval while it lags, as v2's
// describeEnded does); else sleep the interval, which drops back to
// --poll-interval after a poll that brought events and grows by half, up to
// --max-poll-interval, after a quiet one. Throttling, timeouts and signals are
// left out: the bench's executions succeed without faults.
import type { SFNClient } from "@aws-sdk/client-sfn";
import { describeExecution } from "../../src/aws/sfn.js";
import type { ExecutionTracker } from "../../src/execution/tracker.js";

/** What v2's loop needs of a reader: read and apply what is new, say how many. */
export interface Reader {
  readNew(): Promise<number>;
}

const TERMINAL = new Set(["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]);
const DESCRIBE_TRIES = 5;

export async function followV2(
  executionArn: string,
  tracker: ExecutionTracker,
  reader: Reader,
  options: { pollInterval: number; maxPollInterval: number },
  deps: { client: SFNClient; now: () => number; sleep: (ms: number) => Promise<void> },
): Promise<string> {
  let interval = options.pollInterval;
  for (;;) {
    const active = (await reader.readNew()) > 0;
    if (tracker.terminal) {
      for (let attempt = 1; ; attempt++) {
        const execution = await describeExecution(deps.client, executionArn, new AbortController().signal);
        if (TERMINAL.has(execution.status ?? "") || attempt >= DESCRIBE_TRIES) {
          return execution.status ?? tracker.terminal.status;
        }
        await deps.sleep(options.pollInterval);
      }
    }
    await deps.sleep(interval);
    interval = active ? options.pollInterval : Math.min(Math.round(interval * 1.5), options.maxPollInterval);
  }
}

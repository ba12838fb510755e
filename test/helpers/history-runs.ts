// An execution's state runs as the execution core's tracker builds them, from
// its whole history read with the real SFN client and the core's reader.

import { SFNClient } from "@aws-sdk/client-sfn";
import { HistoryReader } from "../../src/execution/history-reader.js";
import type { StateRun } from "../../src/execution/model.js";
import { ExecutionTracker } from "../../src/execution/tracker.js";
import type { FakeAws } from "../fake-aws/index.js";

export async function stateRunsOf(fake: FakeAws, executionArn: string): Promise<StateRun[]> {
  const sfn = new SFNClient({ ...fake.clientConfig(), maxAttempts: 1 });
  const tracker = new ExecutionTracker(() => undefined, 0);
  await new HistoryReader(sfn, executionArn, (event) => tracker.apply(event)).readNew(
    new AbortController().signal,
  );
  sfn.destroy();
  return tracker.runs;
}

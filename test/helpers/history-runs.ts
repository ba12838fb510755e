// A stand-in for the execution core's tracker, for the failure tests: reads an
// execution's whole history with the real SFN client and turns Task events
// into the model's StateRun/Attempt (resource from TaskScheduled, TaskRef from
// the TaskSubmitted output, error and cause from TaskFailed).

import { GetExecutionHistoryCommand, type HistoryEvent, SFNClient } from "@aws-sdk/client-sfn";
import type { Attempt, StateRun } from "../../src/execution/model.js";
import type { FakeAws } from "../fake-aws/index.js";

export async function stateRunsOf(fake: FakeAws, executionArn: string): Promise<StateRun[]> {
  const sfn = new SFNClient({ ...fake.clientConfig(), maxAttempts: 1 });
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  sfn.destroy();
  const runs: StateRun[] = [];
  let run: StateRun | undefined;
  for (const event of events) {
    const at = event.timestamp?.getTime() ?? 0;
    const type = event.type ?? "";
    if (type.endsWith("StateEntered")) {
      run = {
        name: event.stateEnteredEventDetails?.name ?? "",
        kind: type.replace(/StateEntered$/, ""),
        enteredAt: at,
        status: "running",
        attempts: [],
      };
      runs.push(run);
    }
    if (!run) continue;
    const attempt = run.attempts.at(-1) as Attempt | undefined;
    if (type === "TaskScheduled") {
      const details = event.taskScheduledEventDetails;
      run.resource = `arn:aws:states:::${details?.resourceType}:${details?.resource}`;
      run.attempts.push({ number: run.attempts.length + 1, startedAt: at, status: "running" });
    } else if (type === "TaskSubmitted" && attempt) {
      const output = JSON.parse(event.taskSubmittedEventDetails?.output ?? "{}") as Record<string, string>;
      const kind = event.taskSubmittedEventDetails?.resourceType === "batch" ? "batch" : "glue";
      const id = output.JobRunId ?? output.JobId;
      attempt.task = { kind, ...(id ? { id } : {}), ...(output.JobName ? { jobName: output.JobName } : {}) };
    } else if (type === "TaskFailed" && attempt) {
      attempt.status = "failed";
      attempt.endedAt = at;
      const details = event.taskFailedEventDetails;
      if (details?.error) attempt.error = details.error;
      if (details?.cause) attempt.cause = details.cause;
    } else if (type === "TaskSucceeded" && attempt) {
      attempt.status = "succeeded";
      attempt.endedAt = at;
    } else if (type.endsWith("StateExited")) {
      run.exitedAt = at;
      run.status = "succeeded";
    }
  }
  for (const r of runs)
    if (r.attempts.at(-1)?.status === "failed" && r.exitedAt === undefined) r.status = "failed";
  return runs;
}

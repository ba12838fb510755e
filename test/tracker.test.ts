import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import type { ExecutionEvent } from "../src/execution/model.js";
import { ExecutionTracker } from "../src/execution/tracker.js";
import { explainCause } from "../src/failure/cause.js";
import { LogReporter } from "../src/report/log-reporter.js";
import { captureContext } from "./helpers/capture.js";

const T0 = Date.UTC(2023, 9, 14, 6, 0, 0);

/** A history from a compact script: [type, seconds after start, details]. */
function history(steps: Array<[string, number, Partial<HistoryEvent>?]>): HistoryEvent[] {
  return steps.map(([type, seconds, details], i) => ({
    id: i + 1,
    previousEventId: i,
    type: type as HistoryEvent["type"],
    timestamp: new Date(T0 + seconds * 1000),
    ...details,
  }));
}
const entered = (name: string) => ({ stateEnteredEventDetails: { name } });
const exited = (name: string) => ({ stateExitedEventDetails: { name } });
const failed = (error: string, cause = "") => ({
  taskFailedEventDetails: { resourceType: "glue", resource: "startJobRun.sync", error, cause },
});

/** The tracker's events go to the real log reporter, as in a run; the log starts at T0. */
function track(events: HistoryEvent[]) {
  const { ctx, stderr } = captureContext();
  const reporter = new LogReporter(ctx.log);
  reporter.onEvent({ type: "started", at: T0, executionArn: "arn", name: "x", startedAt: T0 }, undefined);
  const emitted: ExecutionEvent[] = [];
  const tracker = new ExecutionTracker((event) => {
    emitted.push(event);
    reporter.onEvent(event, undefined);
  }, T0);
  for (const event of events) tracker.apply(event);
  return { tracker, stderr, emitted };
}

describe("ExecutionTracker", () => {
  it("logs states entering, retrying and succeeding with elapsed time and attempts", () => {
    const { tracker, stderr } = track(
      history([
        ["ExecutionStarted", 0],
        ["TaskStateEntered", 0, entered("Prep")],
        ["TaskScheduled", 0],
        ["TaskFailed", 45, failed("States.TaskFailed", "boom")],
        ["TaskScheduled", 75],
        ["TaskSucceeded", 140],
        ["TaskStateExited", 140, exited("Prep")],
        ["ExecutionSucceeded", 141],
      ]),
    );
    expect(stderr()).toContain("+00:00  Prep entered");
    expect(stderr()).toContain("+00:45  Prep attempt 1 failed: States.TaskFailed (boom)");
    expect(stderr()).toContain("+01:15  Prep retrying (attempt 2)");
    expect(stderr()).toContain("+02:20  Prep succeeded in 2m20s (2 attempts)");
    expect(tracker.terminal?.status).toBe("SUCCEEDED");
    expect(tracker.failure()).toBeUndefined();
    expect(tracker.runs).toMatchObject([
      { name: "Prep", kind: "Task", enteredAt: T0, exitedAt: T0 + 140_000, status: "succeeded" },
    ]);
    expect(tracker.runs[0]?.attempts).toEqual([
      {
        number: 1,
        startedAt: T0,
        endedAt: T0 + 45_000,
        status: "failed",
        error: "States.TaskFailed",
        cause: "boom",
      },
      { number: 2, startedAt: T0 + 75_000, endedAt: T0 + 140_000, status: "succeeded" },
    ]);
  });

  it("blames the last unrecovered task, not an earlier retried one", () => {
    const { tracker } = track(
      history([
        ["TaskStateEntered", 0, entered("A")],
        ["TaskScheduled", 0],
        ["TaskFailed", 1, failed("Glue.Retryable")],
        ["TaskScheduled", 2],
        ["TaskSucceeded", 3],
        ["TaskStateExited", 3, exited("A")],
        ["TaskStateEntered", 3, entered("B")],
        ["TaskScheduled", 3],
        ["TaskFailed", 4, failed("States.TaskFailed", "{}")],
        ["ExecutionFailed", 4, { executionFailedEventDetails: { error: "States.TaskFailed", cause: "{}" } }],
      ]),
    );
    expect(tracker.failure()).toEqual({ state: "B", error: "States.TaskFailed", cause: "{}" });
  });

  it("for a Catch into a Fail state, blames the caught task and names the Fail state", () => {
    const { tracker } = track(
      history([
        ["TaskStateEntered", 0, entered("Batch")],
        ["TaskScheduled", 0],
        ["TaskFailed", 5, failed("States.TaskFailed", "container died")],
        ["TaskStateExited", 5, exited("Batch")],
        ["FailStateEntered", 5, entered("NotifyFailure")],
        [
          "ExecutionFailed",
          5,
          { executionFailedEventDetails: { error: "Pipeline.Failed", cause: "see Batch" } },
        ],
      ]),
    );
    expect(tracker.failure()).toEqual({
      state: "Batch",
      error: "States.TaskFailed",
      cause: "container died",
      routedTo: "NotifyFailure",
    });
  });

  it("a Fail state reached without a task failure is itself the failing state", () => {
    const { tracker } = track(
      history([
        ["TaskStateEntered", 0, entered("A")],
        ["TaskScheduled", 0],
        ["TaskFailed", 1, failed("Flaky")],
        ["TaskScheduled", 2],
        ["TaskSucceeded", 3],
        ["TaskStateExited", 3, exited("A")],
        ["ChoiceStateEntered", 3, entered("NoData?")],
        ["ChoiceStateExited", 3, exited("NoData?")],
        ["FailStateEntered", 3, entered("NoInputData")],
        [
          "ExecutionFailed",
          3,
          { executionFailedEventDetails: { error: "NoInput", cause: "no rows for 2023-10-14" } },
        ],
      ]),
    );
    expect(tracker.failure()).toEqual({
      state: "NoInputData",
      error: "NoInput",
      cause: "no rows for 2023-10-14",
    });
  });

  it("TIMED_OUT blames the running state with States.Timeout, not a failed attempt inside it", () => {
    const { tracker } = track(
      history([
        ["TaskStateEntered", 0, entered("Batch")],
        ["TaskScheduled", 0],
        ["TaskFailed", 10, failed("Batch.Retryable")],
        ["TaskScheduled", 20],
        ["ExecutionTimedOut", 3600, { executionTimedOutEventDetails: {} }],
      ]),
    );
    expect(tracker.failure()).toEqual({ state: "Batch", error: "States.Timeout" });
  });

  it("an ExecutionRedriven after an end clears it; resume() does the same when only DescribeExecution knows", () => {
    const { tracker } = track(
      history([
        ["ExecutionFailed", 50, { executionFailedEventDetails: { error: "X" } }],
        ["ExecutionRedriven", 100],
      ]),
    );
    expect(tracker.terminal).toBeUndefined();
    const early = track(history([["ExecutionFailed", 50, { executionFailedEventDetails: { error: "X" } }]]));
    expect(early.tracker.terminal?.status).toBe("FAILED");
    early.tracker.resume();
    expect(early.tracker.terminal).toBeUndefined();
  });

  it("tells concurrent runs of one state apart (Map/Parallel) through previousEventId", () => {
    const { tracker, stderr } = track([
      {
        id: 1,
        previousEventId: 0,
        type: "TaskStateEntered",
        timestamp: new Date(T0),
        stateEnteredEventDetails: { name: "Item" },
      },
      {
        id: 2,
        previousEventId: 0,
        type: "TaskStateEntered",
        timestamp: new Date(T0),
        stateEnteredEventDetails: { name: "Item" },
      },
      { id: 3, previousEventId: 1, type: "TaskScheduled", timestamp: new Date(T0) },
      { id: 4, previousEventId: 2, type: "TaskScheduled", timestamp: new Date(T0) },
      { id: 5, previousEventId: 3, type: "TaskSucceeded", timestamp: new Date(T0 + 1000) },
      { id: 6, previousEventId: 4, type: "TaskSucceeded", timestamp: new Date(T0 + 2000) },
      {
        id: 7,
        previousEventId: 5,
        type: "TaskStateExited",
        timestamp: new Date(T0 + 1000),
        stateExitedEventDetails: { name: "Item" },
      },
      {
        id: 8,
        previousEventId: 6,
        type: "TaskStateExited",
        timestamp: new Date(T0 + 2000),
        stateExitedEventDetails: { name: "Item" },
      },
    ]);
    expect(stderr()).not.toContain("retrying");
    expect(tracker.runs.map((run) => [run.status, run.attempts.length, run.exitedAt])).toEqual([
      ["succeeded", 1, T0 + 1000],
      ["succeeded", 1, T0 + 2000],
    ]);
  });
});

describe("explainCause", () => {
  it("puts the Glue run id and message first", () => {
    const lines = explainCause(
      JSON.stringify({ Id: "jr_1", JobName: "prep", JobRunState: "FAILED", ErrorMessage: "OOM" }),
    );
    expect(lines.slice(0, 3)).toEqual(["Glue job prep run jr_1: FAILED", "  OOM", "cause:"]);
  });

  it("puts the Batch status reason, exit code and log stream first", () => {
    const lines = explainCause(
      JSON.stringify({
        JobId: "b-1",
        JobName: "score",
        Status: "FAILED",
        StatusReason: "Essential container in task exited",
        Attempts: [
          { Container: { ExitCode: 1 } },
          { Container: { ExitCode: 137, LogStreamName: "score/default/abc" } },
        ],
      }),
    );
    expect(lines.slice(0, 4)).toEqual([
      "Batch job score (b-1): FAILED, exit code 137 after 2 attempts",
      "  status reason: Essential container in task exited",
      "  log stream: score/default/abc",
      "cause:",
    ]);
  });

  it("pretty-prints other JSON and passes plain text through", () => {
    expect(explainCause('{"a":1}')).toEqual(["{", '  "a": 1', "}"]);
    expect(explainCause("plain words")).toEqual(["plain words"]);
    expect(explainCause(undefined)).toEqual([]);
  });
});

// The Glue job runs the Step Functions fake's `.sync` Glue tasks started, read
// off its timelines (the run ids submittedTaskOf derives, so a run GetJobRun
// describes is the one TaskSubmitted named), for GetJobRun.
//
// A run's life: STARTING from TaskSubmitted for its start-up (a few seconds),
// RUNNING until its attempt's TaskSucceeded or TaskFailed, then SUCCEEDED or
// FAILED; an execution that ends first takes its run down with it, STOPPED.
// holdWaiting keeps a state's runs WAITING (for resources) for a scripted time.

import { type ExecutionView, GLUE_SYNC_RESOURCE, submittedTaskOf } from "./sfn.js";
import { startedBy, submittedAttemptsOf } from "./task-attempts.js";

export interface FakeGlueRun {
  id: string;
  jobName: string;
  executionArn: string;
  state: string;
  /** 0-based, as the Step Functions fake counts attempts. */
  attempt: number;
  startedAt: number;
  runningAt: number;
  /** Infinity while nothing in the timeline ends it. */
  endedAt: number;
  outcome: "SUCCEEDED" | "FAILED" | "STOPPED";
  /** holdWaiting: WAITING until this time, and why. */
  waitingUntil?: number;
  waitingReason?: string;
}

/** STARTING lasts this long unless the attempt is shorter (then a quarter of it). */
const STARTUP_MS = 8_000;

export function glueRunsOf(view: ExecutionView): FakeGlueRun[] {
  return submittedAttemptsOf(view, "glue").flatMap((submitted) => {
    const { state, attempt, parameters } = submitted;
    const task = submittedTaskOf(
      view.executionArn,
      { name: state, resource: GLUE_SYNC_RESOURCE, parameters, durationMs: 0 },
      attempt,
    );
    if (!task?.jobRunId) return [];
    return [
      {
        id: task.jobRunId,
        jobName: task.jobName,
        executionArn: view.executionArn,
        state,
        attempt,
        startedAt: submitted.submittedAt,
        runningAt: startedBy(submitted, STARTUP_MS),
        endedAt: submitted.endedAt,
        outcome:
          submitted.ended === "succeeded" ? "SUCCEEDED" : submitted.ended === "failed" ? "FAILED" : "STOPPED",
      },
    ];
  });
}

// The `.sync` task attempts an execution's timeline submitted to one service
// (TaskSubmitted of that resource type), with when each ended: the Batch and
// Glue fakes derive their jobs and runs from them.

import type { ExecutionView } from "./sfn.js";

export interface SubmittedAttempt {
  state: string;
  /** 0-based, as the Step Functions fake counts attempts. */
  attempt: number;
  /** The TaskScheduled parameters. */
  parameters: Record<string, unknown>;
  submittedAt: number;
  /** Infinity while nothing in the timeline ends it. */
  endedAt: number;
  /** Its attempt's TaskSucceeded or TaskFailed, or the execution ending first (stopped, timed out). */
  ended?: "succeeded" | "failed" | "execution";
}

const EXECUTION_ENDS = new Set([
  "ExecutionSucceeded",
  "ExecutionFailed",
  "ExecutionTimedOut",
  "ExecutionAborted",
]);

export function submittedAttemptsOf(view: ExecutionView, resourceType: string): SubmittedAttempt[] {
  const out: SubmittedAttempt[] = [];
  const attempts = new Map<string, number>();
  let current: string | undefined;
  let parameters: Record<string, unknown> = {};
  let open: SubmittedAttempt | undefined;
  const end = (at: number, ended: NonNullable<SubmittedAttempt["ended"]>) => {
    if (!open) return;
    open.endedAt = at;
    open.ended = ended;
    open = undefined;
  };
  for (const event of view.timeline) {
    const entered = event.details.stateEnteredEventDetails as { name?: string } | undefined;
    if (entered?.name) current = entered.name;
    if (EXECUTION_ENDS.has(event.type)) end(event.at, "execution");
    if (!current) continue;
    if (event.type === "TaskScheduled") {
      const details = event.details.taskScheduledEventDetails as {
        resourceType?: string;
        parameters?: string;
      };
      parameters =
        details.resourceType === resourceType
          ? (JSON.parse(details.parameters ?? "{}") as typeof parameters)
          : {};
      attempts.set(current, (attempts.get(current) ?? -1) + 1);
    }
    if (event.type === "TaskSubmitted") {
      const details = event.details.taskSubmittedEventDetails as { resourceType?: string };
      if (details.resourceType !== resourceType) continue;
      open = {
        state: current,
        attempt: attempts.get(current) ?? 0,
        parameters,
        submittedAt: event.at,
        endedAt: Number.POSITIVE_INFINITY,
      };
      out.push(open);
    }
    if (event.type === "TaskSucceeded") end(event.at, "succeeded");
    if (event.type === "TaskFailed") end(event.at, "failed");
  }
  return out;
}

/** A short scripted attempt still runs for most of its time: it starts within its first quarter. */
export function startedBy(attempt: SubmittedAttempt, startupMs: number): number {
  const runningAt = attempt.submittedAt + startupMs;
  if (attempt.ended === "succeeded" || attempt.ended === "failed")
    return Math.min(runningAt, attempt.submittedAt + (attempt.endedAt - attempt.submittedAt) / 4);
  return runningAt;
}

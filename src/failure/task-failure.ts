import type { Attempt, StateRun, TaskFailure } from "../execution/model.js";
import { parseJsonObject } from "../json/parse-object.js";
import { kindById, kindOfResource } from "../tasks/registry.js";

/**
 * What a person would open the console for, for one failed attempt of a
 * Task state of a known kind (src/tasks/): which run, job or invocation, its
 * status and why, links, and where its log is (`logSources`, read by
 * fetchLogTail). Pass the attempt that failed terminally: with a Retry each
 * attempt is its own run, and only this one's cause and TaskSubmitted output
 * name the work whose log explains the failure. Undefined for any other
 * state: an integration no kind knows is reported by its error and cause alone.
 */
export function taskFailureOf(run: StateRun, attempt: Attempt, region: string): TaskFailure | undefined {
  const kind = kindOfResource(run.resource) ?? kindById(attempt.task?.kind);
  if (!kind) return undefined;
  const cause = attempt.cause ? parseJsonObject(attempt.cause) : undefined;
  return kind.describeFailure(attempt, cause ? kind.parseCause(cause) : undefined, region);
}

import type { DescribeExecutionCommandOutput, SFNClient } from "@aws-sdk/client-sfn";
import { differingKeys, lookUpExecution, type StartRequest } from "../execution/start.js";

export interface ExistingExecutions {
  /** Per job, in order: the execution of its name, or null when there is none. */
  found: Array<DescribeExecutionCommandOutput | null>;
  /** One line per date whose name is taken by an execution with another input (keys only, no values). */
  conflicts: string[];
}

/**
 * Every date's execution looked up by name before anything starts (one
 * DescribeExecution each, within the backfill's budget): a rerun learns which
 * dates are running (they count against --concurrency first), and a date
 * whose name is taken by an execution with a different input stops the whole
 * backfill before it starts anything, as any invalid input does. The
 * lookups are handed to the starts, which then do not look again.
 */
export async function findExistingExecutions(
  jobs: ReadonlyArray<{ date: string; job: Pick<StartRequest, "machine" | "name" | "input"> }>,
  deps: { client: SFNClient; signal: AbortSignal },
): Promise<ExistingExecutions> {
  const found = await Promise.all(jobs.map(async ({ job }) => (await lookUpExecution(job, deps)) ?? null));
  const conflicts = jobs.flatMap(({ date, job }, i) => {
    const existing = found[i];
    if (!existing) return [];
    const keys = differingKeys(existing.input, job.input);
    return keys.length === 0
      ? []
      : [
          `${date}: ${job.name} already exists (${existing.status}) with a different input (${keys.join(", ")})`,
        ];
  });
  return { found, conflicts };
}

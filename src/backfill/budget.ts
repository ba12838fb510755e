import { ApiBudget } from "../aws/api-budget.js";

/**
 * The backfill's one Step Functions budget, with one exception: StopExecution
 * never waits for a slot.
 *
 * Why stops go around the rate: they are sent only when the backfill stops
 * its executions (a signal with `--on-abort stop`, or `--stop-on-timeout`),
 * at most one per execution it follows, so at most `--concurrency` of them,
 * once. They must land within `--abort-timeout` (Jenkins sends SIGKILL a few
 * seconds after SIGTERM): queued behind the budget, 20 stops at 5 calls per
 * second would need 4 s before the last one even left, the whole default
 * abort budget. Step Functions throttles each API with its own token bucket,
 * so a burst of StopExecution calls does not draw on the DescribeExecution
 * and GetExecutionHistory buckets the followers (and other callers in the
 * account) poll with; the SDK's own retries still handle a throttled stop.
 * The confirmations that follow each stop (DescribeExecution) stay within
 * the budget: a stop not confirmed in time is reported as such, never lost.
 */
export class BackfillBudget extends ApiBudget {
  /** StopExecution calls sent around the budget. */
  bypassed = 0;

  override async take(operation: string, signal?: AbortSignal): Promise<void> {
    if (operation !== "StopExecution") return super.take(operation, signal);
    if (signal?.aborted) return super.take(operation, signal); // rejects as the budget does
    this.bypassed += 1;
    this.calls[operation] = (this.calls[operation] ?? 0) + 1;
  }
}

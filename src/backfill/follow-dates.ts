import { ExitCode } from "../errors.js";
import { exitCodeOf } from "../execution/exit-code.js";
import type { ExecutionEvent, ExecutionReport } from "../execution/model.js";
import type { FlowOptions, ServiceDeps, StartJob } from "../execution/service.js";
import { type Schedule, scheduleDates } from "./scheduler.js";

/** One date of a backfill: its job, its report (filled as it goes), whether it was found running. */
export interface DateJob {
  date: string;
  running: boolean;
  job: StartJob;
  report: ExecutionReport;
}

export interface FollowDatesOptions {
  concurrency: number;
  failFast: boolean;
  /** `flow.timeout` is the whole backfill's: one deadline, from the first start. */
  flow: FlowOptions;
  interrupt: AbortSignal;
  now: () => number;
}

export interface FollowDatesDeps {
  /** The execution core's `startAndFollow` (passed in: the CLI loads it with the AWS SDK). */
  startAndFollow(
    job: StartJob,
    options: FlowOptions,
    report: ExecutionReport,
    deps: ServiceDeps,
  ): Promise<ExecutionReport>;
  /** The service's deps for one date: the one shared, budgeted client, and an emitter labelled with the date. */
  depsFor(date: string): ServiceDeps;
  /** A date's start or follow threw: say so (its outcome is set to the error). */
  onError(date: string, error: unknown): void;
}

const START_EVENTS = new Set<ExecutionEvent["type"]>(["started", "attached", "redriven", "found-ended"]);

/**
 * Every date's execution started (or attached to, found ended, redriven) and
 * followed to its end, as `scheduleDates` orders and bounds them. Each date
 * is one `startAndFollow`: its own start, follow and abort handling. A date
 * that throws does not end the others; its error is its outcome. Dates never
 * begun get `not-started` (--fail-fast) or an interruption before the start.
 */
export async function followDates(
  jobs: readonly DateJob[],
  options: FollowDatesOptions,
  deps: FollowDatesDeps,
): Promise<Schedule<DateJob>> {
  // One --timeout for the backfill, not one per date: a date begun later waits
  // only what is left of it, and none begins once it is spent (a date that
  // timed out is still running: its slot must not start another).
  const deadline = options.flow.timeout === undefined ? undefined : options.now() + options.flow.timeout;
  const expired = () => deadline !== undefined && options.now() >= deadline;
  const schedule = await scheduleDates(jobs, { ...options, expired }, async (job) => {
    const service = deps.depsFor(job.date);
    const flow =
      deadline === undefined
        ? options.flow
        : { ...options.flow, timeout: Math.max(0, deadline - options.now()) };
    const emit = service.emit;
    const recordStart = (event: ExecutionEvent) => {
      if (START_EVENTS.has(event.type)) job.report.start = event.type as ExecutionReport["start"];
      emit(event);
    };
    try {
      await deps.startAndFollow(job.job, flow, job.report, { ...service, emit: recordStart });
    } catch (error: unknown) {
      job.report.outcome = { kind: "error", error };
      deps.onError(job.date, error);
      return false;
    }
    // --fail-fast counts executions that ended badly and errors, not a wait that ran out.
    const code = exitCodeOf(job.report.outcome);
    return code !== ExitCode.executionFailed && job.report.outcome.kind !== "error";
  });
  for (const job of schedule.notBegun) {
    job.report.outcome =
      schedule.stoppedBy === "fail-fast" || schedule.stoppedBy === "timeout"
        ? { kind: "not-started", because: schedule.stoppedBy }
        : {
            kind: "interrupted",
            signal: options.interrupt.reason === "SIGINT" ? "SIGINT" : "SIGTERM",
            action: options.flow.onAbort,
            stopped: false,
            started: false,
          };
  }
  return schedule;
}

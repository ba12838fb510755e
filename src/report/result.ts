import { toExit } from "../errors.js";
import { exitCodeOf, exitCodeOfAll, reasonOf } from "../execution/exit-code.js";
import type { ExecutionReport, Expected, Failure, Outcome, StateRun, Stuck } from "../execution/model.js";
import type { PreflightReport } from "../execution/preflight.js";
import { roundedUsage, totalUsage, type UsageRecord } from "../usage/usage.js";

/** What --result-file and --output json hold for one execution, in every ending. */
export interface RunResult {
  /** backfill: the date. */
  date?: string;
  executionArn?: string;
  name?: string;
  stateMachineArn?: string;
  /** The version that ran, and the alias it was started through. */
  version?: string;
  alias?: string;
  /** Step Functions' status, or batchinf's view when it stopped watching first. */
  status: string;
  /** started, attached, redriven or found-ended: what this run (a rerun, say) found under the name. */
  start?: ExecutionReport["start"];
  /** How batchinf ended: the exit code and a word for it. */
  /** No exit code while the command is still at work (reason "in-progress"). */
  outcome: { exitCode?: number; reason: string; message?: string };
  startDate?: string;
  stopDate?: string;
  durationMs?: number;
  consoleUrl?: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  failedState?: string;
  /** The failed Glue/Batch task: kind, ids, links, status reason, exit code, the log lines shown. */
  failure?: Failure["task"];
  states: Array<{ name: string; status: StateRun["status"]; durationMs?: number; attempts: number }>;
  /** Operations batchinf called, by name, for cost and throttling questions. */
  apiCalls?: Record<string, number>;
  /** How the history was read: events seen, events fetched (overlap included), calls. */
  history?: { events: number; fetched: number; calls: number };
  /** Each preflight check and its outcome, before the start. */
  preflight?: PreflightReport;
  /** --stuck-after: the task found waiting for capacity, and whether the execution was stopped for it. */
  stuck?: Stuck;
  /** --history: the medians of the last successful runs and the expected end. */
  expected?: {
    basedOn: number;
    medianMs?: number;
    endDate?: string;
    states: Record<string, number>;
    note?: string;
  };
  /** What the execution used (from its history), and its estimated cost with --prices. */
  usage?: UsageRecord;
}

export interface ResultOptions {
  apiCalls?: Record<string, number>;
  /** `wait` cannot tell which values came from SecureStrings: it leaves input and output out. */
  withoutPayloads?: boolean;
  /** Written before the command ended: the outcome is not known yet. */
  inProgress?: boolean;
}

/** The result of one execution: a pure function of its report. */
export function resultOf(report: ExecutionReport, options: ResultOptions = {}): RunResult {
  const result: RunResult = {
    ...(report.label !== undefined ? { date: report.label } : {}),
    ...(report.executionArn ? { executionArn: report.executionArn } : {}),
    ...(report.name ? { name: report.name } : {}),
    ...(report.stateMachineArn ? { stateMachineArn: report.stateMachineArn } : {}),
    ...(report.version ? { version: report.version } : {}),
    ...(report.alias ? { alias: report.alias } : {}),
    status: report.status,
    ...(report.start ? { start: report.start } : {}),
    outcome: options.inProgress ? IN_PROGRESS : outcomeOf(report.outcome),
    ...(report.startedAt !== undefined ? { startDate: new Date(report.startedAt).toISOString() } : {}),
    ...(report.stoppedAt !== undefined ? { stopDate: new Date(report.stoppedAt).toISOString() } : {}),
    ...(report.startedAt !== undefined && report.stoppedAt !== undefined
      ? { durationMs: report.stoppedAt - report.startedAt }
      : {}),
    ...(report.consoleUrl ? { consoleUrl: report.consoleUrl } : {}),
    ...(report.input !== undefined && !options.withoutPayloads ? { input: report.input } : {}),
    ...(report.output !== undefined && !options.withoutPayloads ? { output: report.output } : {}),
    ...((report.failure?.error ?? report.error) ? { error: report.failure?.error ?? report.error } : {}),
    ...((report.failure?.cause ?? report.cause) ? { cause: report.failure?.cause ?? report.cause } : {}),
    ...(report.failure ? { failedState: report.failure.state } : {}),
    ...(report.failure?.task ? { failure: report.failure.task } : {}),
    states: report.states.map((run) => ({
      name: run.name,
      status: run.status,
      ...(run.exitedAt !== undefined ? { durationMs: run.exitedAt - run.enteredAt } : {}),
      attempts: run.attempts.length,
    })),
    ...(options.apiCalls ? { apiCalls: { ...options.apiCalls } } : {}),
    ...(report.history ? { history: report.history } : {}),
    ...(report.preflight ? { preflight: report.preflight } : {}),
    ...(report.stuck ? { stuck: report.stuck } : {}),
    ...(report.expected ? { expected: expectedOf(report.expected) } : {}),
    ...(report.usage ? { usage: roundedUsage(report.usage) } : {}),
  };
  return result;
}

function expectedOf(expected: Expected): NonNullable<RunResult["expected"]> {
  const { endAt, ...rest } = expected;
  return { ...rest, ...(endAt !== undefined ? { endDate: new Date(endAt).toISOString() } : {}) };
}

const IN_PROGRESS: RunResult["outcome"] = { reason: "in-progress" };

function outcomeOf(outcome: Outcome): RunResult["outcome"] {
  return {
    exitCode: exitCodeOf(outcome),
    reason: reasonOf(outcome),
    ...(outcome.kind === "error" ? { message: toExit(outcome.error).message } : {}),
  };
}

export interface BackfillResult {
  outcome: { exitCode?: number; reason?: string };
  totals: Record<string, number>;
  /** Every date's usage added up. */
  usage?: UsageRecord;
  results: RunResult[];
  apiCalls?: Record<string, number>;
  /** One preflight for all dates. */
  preflight?: PreflightReport;
}

/** backfill: one result per date plus totals by status. */
export function backfillResultOf(
  reports: readonly ExecutionReport[],
  options: ResultOptions = {},
): BackfillResult {
  const totals: Record<string, number> = { dates: reports.length };
  for (const report of reports) totals[report.status] = (totals[report.status] ?? 0) + 1;
  const usage = totalUsage(reports.map((report) => report.usage));
  return {
    outcome: options.inProgress
      ? IN_PROGRESS
      : { exitCode: exitCodeOfAll(reports.map((report) => report.outcome)) },
    totals,
    results: reports.map(({ preflight: _once, ...report }) =>
      resultOf(report, { ...options, apiCalls: undefined }),
    ),
    ...(usage ? { usage: roundedUsage(usage) } : {}),
    ...(options.apiCalls ? { apiCalls: { ...options.apiCalls } } : {}),
    ...(reports.find((report) => report.preflight)?.preflight
      ? { preflight: reports.find((report) => report.preflight)?.preflight }
      : {}),
  };
}

import type { DescribeExecutionCommandOutput, SFNClient } from "@aws-sdk/client-sfn";
import { awsFailure, CredentialsExpiredError } from "../aws/errors.js";
import { EnvironmentError, isCallCutShort } from "../errors.js";
import { sanitizeAwsValue } from "../failure/cause.js";
import type { Sleep } from "../io/sleep.js";
import { parseJsonOrText } from "../json/parse-object.js";
import type { Secrets } from "../secrets/secrets.js";
import { USAGE_METERS } from "../tasks/registry.js";
import { costOf, type Prices } from "../usage/prices.js";
import { sumAttempts } from "../usage/usage.js";
import {
  type FollowOptions,
  type FollowResult,
  followExecution,
  REPORT_RESERVE_MS,
  stopAndReport,
} from "./follow.js";
import { HistoryReader } from "./history-reader.js";
import type { Emit, ExecutionReport, Failure, Outcome, StateRun } from "./model.js";
import type { Expectations } from "./poll-schedule.js";
import { type StartRequest, type StartResult, startIdempotently } from "./start.js";
import type { StopOutcome } from "./stop.js";
import { ExecutionTracker } from "./tracker.js";

export interface ServiceDeps {
  client: SFNClient;
  /** For StopExecution and its confirmation under the abort budget (default `client`). */
  stopClient?: SFNClient;
  secrets: Secrets;
  now: () => number;
  sleep: Sleep;
  /** Aborted with "SIGINT"/"SIGTERM" as reason. */
  interrupt: AbortSignal;
  emit: Emit;
  consoleUrl(executionArn: string): string | undefined;
  /** Adds the failed task's details (its kind's, log tail) to a failure; must not throw. */
  describeFailure?(failure: Failure, run: StateRun | undefined): Promise<Failure>;
  /** Once per poll while following (--follow-logs), and once when following ends. */
  onPoll?(tracker: ExecutionTracker, signal: AbortSignal): Promise<void>;
  /** What past runs say about this execution once known (--history): the poll schedule meets expected ends. */
  expectations?(): Expectations | undefined;
  /** Following ended: the tracker holds every state run, ended ones too (their logs get a last read). */
  onFollowEnd?(tracker: ExecutionTracker): Promise<void>;
  /**
   * Wait until the reports written early are on disk: the start waits for the
   * result file to name the execution's ARN before StartExecution is sent.
   */
  flushReports?(): Promise<void>;
  /** --prices: unit prices that turn the usage into an estimated cost. */
  prices?: Prices;
}

/** What startIdempotently needs: the machine, the name, the exact input, and a lookup already made. */
export type StartJob = StartRequest;

export interface FlowOptions extends FollowOptions {
  /** false: --no-wait. */
  wait: boolean;
  dryRun: boolean;
}

/** A report for an execution not yet known to Step Functions. */
export function newReport(fields: Partial<ExecutionReport> = {}): ExecutionReport {
  return { status: "NOT_STARTED", states: [], outcome: { kind: "started" }, ...fields };
}

/**
 * One execution from start to end: start idempotently (or attach, redrive,
 * find it ended), follow it, blame the failure, return the outcome in
 * `report` (filled as it goes, so a caller that catches an error still has
 * what was known). It prints nothing: everything goes out through `emit`.
 */
export async function startAndFollow(
  job: StartJob,
  options: FlowOptions,
  report: ExecutionReport,
  deps: ServiceDeps,
): Promise<ExecutionReport> {
  const qualifier = job.machine.qualifier;
  deps.emit({
    type: "starting",
    at: deps.now(),
    name: job.name,
    stateMachineArn: job.machine.arn,
    ...(qualifier?.kind === "version" ? { version: qualifier.version } : {}),
    ...(qualifier?.kind === "alias" ? { alias: qualifier.alias } : {}),
  });
  Object.assign(report, { name: job.name, stateMachineArn: job.machine.baseArn });
  if (qualifier?.kind === "alias") report.alias = qualifier.alias;
  if (qualifier?.kind === "version") report.version = qualifier.version;
  if (options.dryRun) {
    deps.emit({ type: "dry-run", at: deps.now(), name: job.name, stateMachineArn: job.machine.arn });
    return finish(report, { kind: "dry-run" }, deps);
  }
  if (deps.interrupt.aborted) return interruptedBeforeStart(report, options, deps);

  // The start is cut short by a signal like every call: the result file names the ARN before
  // StartExecution is sent, and a start whose answer never came is stopped as possibly started.
  let start: StartResult;
  try {
    start = await startIdempotently(job, {
      client: deps.client,
      secrets: deps.secrets,
      now: deps.now,
      signal: deps.interrupt,
      beforeStart: async (executionArn) => {
        report.executionArn = executionArn;
        report.status = "STARTING";
        deps.emit({ type: "start-sending", at: deps.now(), executionArn, name: job.name });
        await deps.flushReports?.();
      },
    });
  } catch (error: unknown) {
    // The look-up by name was cut short: nothing was sent that could start it.
    if (isCallCutShort(error) && deps.interrupt.aborted) return interruptedBeforeStart(report, options, deps);
    throw error;
  }
  if (start.kind === "unanswered") return startUnanswered(start, job, options, report, deps);
  report.executionArn = start.executionArn;
  const consoleUrl = deps.consoleUrl(start.executionArn);
  if (consoleUrl) report.consoleUrl = consoleUrl;

  if (start.kind === "found-ended") {
    deps.emit({
      type: "found-ended",
      at: deps.now(),
      executionArn: start.executionArn,
      name: job.name,
      status: start.status,
      ...(start.hint ? { hint: start.hint } : {}),
      ...(consoleUrl ? { consoleUrl } : {}),
    });
    describeInto(report, start.execution);
    // Read its history once, quietly: the reports show its states and what failed.
    const startedAt = start.execution.startDate?.getTime() ?? deps.now();
    await replay(start.executionArn, startedAt, report, deps);
    return finish(report, { kind: "ended", status: start.status, foundEnded: true }, deps);
  }

  report.status = "RUNNING";
  report.startedAt = start.startedAt;
  deps.emit({
    type: start.kind,
    at: deps.now(),
    executionArn: start.executionArn,
    name: job.name,
    startedAt: start.startedAt,
    ...(consoleUrl ? { consoleUrl } : {}),
    ...(start.status ? { status: start.status } : {}),
  });
  // A signal during the start gets the --on-abort action even with --no-wait.
  if (!options.wait && !deps.interrupt.aborted) return finish(report, { kind: "started" }, deps);
  return follow(start.executionArn, start.startedAt, options, report, deps);
}

/** `wait`: follow an execution that exists, as run does after its start. */
export async function attachAndFollow(
  execution: DescribeExecutionCommandOutput & { executionArn: string },
  options: FollowOptions,
  report: ExecutionReport,
  deps: ServiceDeps,
): Promise<ExecutionReport> {
  report.executionArn = execution.executionArn;
  const consoleUrl = deps.consoleUrl(execution.executionArn);
  if (consoleUrl) report.consoleUrl = consoleUrl;
  describeInto(report, execution);
  const startedAt = execution.startDate?.getTime() ?? deps.now();
  deps.emit({
    type: "attached",
    at: deps.now(),
    executionArn: execution.executionArn,
    name: execution.name ?? "?",
    startedAt,
    ...(consoleUrl ? { consoleUrl } : {}),
    ...(execution.status ? { status: execution.status } : {}),
  });
  return follow(execution.executionArn, startedAt, options, report, deps);
}

async function follow(
  executionArn: string,
  startedAt: number,
  options: FollowOptions,
  report: ExecutionReport,
  deps: ServiceDeps,
): Promise<ExecutionReport> {
  const tracker = new ExecutionTracker(deps.emit, startedAt);
  report.states = tracker.runs;
  const reader = new HistoryReader(deps.client, executionArn, (event) => tracker.apply(event), deps.now);
  const onPoll = deps.onPoll;
  let result: FollowResult;
  try {
    result = await followExecution(executionArn, startedAt, tracker, reader, options, {
      client: deps.client,
      ...(deps.stopClient ? { stopClient: deps.stopClient } : {}),
      region: regionOf(executionArn),
      now: deps.now,
      sleep: deps.sleep,
      interrupt: deps.interrupt,
      emit: deps.emit,
      ...(onPoll ? { onPoll: (signal: AbortSignal) => onPoll(tracker, signal) } : {}),
      ...(deps.expectations ? { expectations: () => deps.expectations?.() } : {}),
    });
  } catch (error: unknown) {
    throw credentialsRanOut(error, executionArn, report.status) ?? error;
  } finally {
    await deps.onFollowEnd?.(tracker);
  }
  report.history = { events: tracker.events, fetched: reader.fetched, calls: reader.calls };
  measureUsage(tracker, report, deps);
  if (result.kind === "ended") {
    describeInto(report, result.execution);
    await blame(tracker, report, deps);
    return finish(report, { kind: "ended", status: result.status }, deps);
  }
  const stopped = result.stop ? recordStop(report, result.stop) : false;
  if (result.kind === "timeout") return finish(report, { kind: "timeout", stopped }, deps);
  return finish(
    report,
    { kind: "interrupted", signal: result.signal, action: options.onAbort, stopped, started: true },
    deps,
  );
}

/**
 * The credentials expired mid-wait and nothing can renew them: not the
 * execution failing. It keeps running; say so, and how to attach again.
 */
function credentialsRanOut(error: unknown, executionArn: string, status: string): Error | undefined {
  if (!(error instanceof CredentialsExpiredError)) return undefined;
  return new CredentialsExpiredError(
    `The AWS credentials expired while following execution ${executionArn} (still ${status}: it keeps running); renew them and attach again with: batchinf wait ${executionArn}, or pass --assume-role ROLE_ARN so batchinf renews them itself.`,
    { cause: error },
  );
}

/** An execution found already ended: its states and failure, without logging them as news. */
async function replay(executionArn: string, startedAt: number, report: ExecutionReport, deps: ServiceDeps) {
  const tracker = new ExecutionTracker(() => undefined, startedAt);
  report.states = tracker.runs;
  const reader = new HistoryReader(deps.client, executionArn, (event) => tracker.apply(event));
  try {
    await reader.readNew(deps.interrupt);
  } catch {
    // The reports lose the states; the outcome is already known.
    return;
  }
  measureUsage(tracker, report, deps);
  await blame(tracker, report, deps);
}

/** What the execution used, from what its tasks' job documents said, priced with --prices. */
function measureUsage(tracker: ExecutionTracker, report: ExecutionReport, deps: ServiceDeps): void {
  const usage = sumAttempts(
    tracker.runs.flatMap((run) => run.attempts.map((attempt) => attempt.usage)),
    tracker.stateTransitions,
    USAGE_METERS,
  );
  if (deps.prices) usage.cost = costOf(usage, deps.prices);
  report.usage = usage;
}

async function blame(tracker: ExecutionTracker, report: ExecutionReport, deps: ServiceDeps): Promise<void> {
  let failure = tracker.failure();
  if (!failure) return;
  if (deps.describeFailure) failure = await deps.describeFailure(failure, tracker.runNamed(failure.state));
  report.failure = failure;
  deps.emit({ type: "failure", at: deps.now(), failure });
}

async function interruptedBeforeStart(
  report: ExecutionReport,
  options: FlowOptions,
  deps: ServiceDeps,
): Promise<ExecutionReport> {
  const signal = deps.interrupt.reason === "SIGINT" ? "SIGINT" : "SIGTERM";
  deps.emit({ type: "interrupted", at: deps.now(), signal, action: options.onAbort, started: false });
  return finish(
    report,
    { kind: "interrupted", signal, action: options.onAbort, stopped: false, started: false },
    deps,
  );
}

/** Stop an execution this process started or attached to (backfill's abort), within the budget. */
export async function stopFollowed(
  report: ExecutionReport,
  reason: string,
  deadline: number,
  options: Pick<FollowOptions, "buildUrl">,
  deps: ServiceDeps,
): Promise<boolean> {
  if (!report.executionArn) return false;
  const stop = await stopAndReport(report.executionArn, reason, deadline - REPORT_RESERVE_MS, options, {
    client: deps.client,
    ...(deps.stopClient ? { stopClient: deps.stopClient } : {}),
    region: regionOf(report.executionArn),
    now: deps.now,
    sleep: deps.sleep,
    emit: deps.emit,
  });
  return recordStop(report, stop);
}

/**
 * What a stop did, into the report: the execution as last seen, and ABORTED
 * when AWS accepted the StopExecution even if no read confirmed it in time
 * (the stop took effect; RUNNING would send the next build to attach to it).
 * Returns whether the execution was stopped.
 */
function recordStop(report: ExecutionReport, stop: StopOutcome): boolean {
  if (stop.execution) describeInto(report, stop.execution);
  if (stop.sent && !stop.confirmed) report.status = "ABORTED";
  return stop.sent || stop.confirmed;
}

/**
 * StartExecution was sent and never answered. Interrupted: the --on-abort
 * action on the ARN it would have (stop waits for it to appear, within the
 * abort budget). Otherwise no answer came within the request timeout on every
 * attempt: exit 3, the ARN kept in the result (STARTING) for \`stop\` or \`wait\`.
 */
async function startUnanswered(
  start: Extract<StartResult, { kind: "unanswered" }>,
  job: StartJob,
  options: FlowOptions,
  report: ExecutionReport,
  deps: ServiceDeps,
): Promise<ExecutionReport> {
  const { executionArn } = start;
  const consoleUrl = deps.consoleUrl(executionArn);
  if (consoleUrl) report.consoleUrl = consoleUrl;
  if (!deps.interrupt.aborted) {
    const failure = awsFailure(start.error, {
      operation: "states:StartExecution",
      region: job.machine.region,
      resource: job.machine.arn,
    });
    throw new EnvironmentError(
      `${failure.message.replace(/\.$/, "")}; it may have started as ${executionArn} (batchinf wait ARN follows it, batchinf stop --result-file FILE stops it).`,
      { cause: start.error },
    );
  }
  const signal = deps.interrupt.reason === "SIGINT" ? "SIGINT" : "SIGTERM";
  deps.emit({ type: "interrupted", at: deps.now(), signal, action: options.onAbort, started: true });
  const ended = (stopped: boolean, started: boolean) =>
    finish(report, { kind: "interrupted", signal, action: options.onAbort, stopped, started }, deps);
  if (options.onAbort === "detach") return ended(false, true);
  const stop = await stopAndReport(
    executionArn,
    `build aborted (${signal})`,
    deps.now() + Math.max(0, options.abortTimeout - REPORT_RESERVE_MS),
    options,
    {
      client: deps.client,
      ...(deps.stopClient ? { stopClient: deps.stopClient } : {}),
      region: job.machine.region,
      now: deps.now,
      sleep: deps.sleep,
      emit: deps.emit,
      possiblyStarted: true,
    },
  );
  if (stop.neverStarted) report.status = "NOT_STARTED";
  return ended(recordStop(report, stop), !stop.neverStarted);
}

function finish(report: ExecutionReport, outcome: Outcome, deps: ServiceDeps): ExecutionReport {
  report.outcome = outcome;
  deps.emit({ type: "ended", at: deps.now(), report });
  return report;
}

export function describeInto(report: ExecutionReport, execution: DescribeExecutionCommandOutput): void {
  if (execution.status) report.status = execution.status;
  if (execution.name) report.name = execution.name;
  if (execution.stateMachineArn) report.stateMachineArn = execution.stateMachineArn;
  const version = execution.stateMachineVersionArn?.split(":").pop();
  if (version) report.version = version;
  const alias = execution.stateMachineAliasArn?.split(":").pop();
  if (alias) report.alias = alias;
  if (execution.startDate) report.startedAt = execution.startDate.getTime();
  if (execution.stopDate) report.stoppedAt = execution.stopDate.getTime();
  // A Batch job's Environment values and URL credentials never reach any output, whatever carries them.
  if (execution.output !== undefined) report.output = sanitizeAwsValue(parseJsonOrText(execution.output));
  if (execution.error) report.error = sanitizeAwsValue(execution.error);
  if (execution.cause) report.cause = sanitizeAwsValue(execution.cause);
}

function regionOf(arn: string): string {
  return arn.split(":")[3] ?? "";
}

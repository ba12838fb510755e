import { setTimeout as delay } from "node:timers/promises";
import type { DescribeExecutionCommandOutput } from "@aws-sdk/client-sfn";
import { consoleDomain, parseArn } from "../aws/arn.js";
import type { AwsClients } from "../aws/clients.js";
import { type AwsModule, loadAws } from "../aws/load.js";
import { formatDuration } from "../duration.js";
import { EnvironmentError, ExitCode, InputError, toExit } from "../errors.js";
import { INPUT_KEYS } from "../input/keys.js";
import { type PreparedInput, prepareInput } from "../input/prepare.js";
import { explainCause } from "../run/cause.js";
import { assertExecutionName, defaultExecutionName } from "../run/execution-name.js";
import { parseJsonOrText, type RunResult, statesSummary, writeResultFile } from "../run/result.js";
import type { WaitOptions, WaitOutcome } from "../run/wait.js";
import type { CommandContext } from "./context.js";
import { maskedInput, type RenderOptions, reportPrepared } from "./render.js";

export interface FollowOptions {
  pollInterval: number;
  maxPollInterval: number;
  timeout?: number;
  stopOnTimeout: boolean;
  onAbort: "stop" | "detach";
  resultFile?: string;
  output: "text" | "json";
  region?: string;
  profile?: string;
  showSecrets: boolean;
}

export interface RunOptions extends RenderOptions, FollowOptions {
  stateMachineArn?: string;
  executionName?: string;
  redrive: boolean;
  wait: boolean;
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;
const EXECUTION_ARN =
  /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[A-Za-z0-9_-]{1,80}:[A-Za-z0-9_-]{1,80}$/;

/** Results of `wait` without --show-secrets: their input and output are left out. */
const withoutPayloads = new WeakSet<RunResult>();

/** Wall-clock sleep, cut short by an interrupt. */
const realSleep = async (ms: number, signal: AbortSignal): Promise<void> => {
  await delay(ms, undefined, { signal }).catch(() => undefined);
};

/** `batchinf run`: compose, validate, start idempotently, follow, report. */
export function runCommand(options: RunOptions, ctx: CommandContext): Promise<number> {
  const result: RunResult = {
    status: "NOT_STARTED",
    outcome: { exitCode: 0, reason: "not-started" },
    states: [],
  };
  return inEveryEnding(result, options, ctx, async (frame) => {
    assertFollowOptions(options);
    const aws = await loadAws();
    const getClients = async (tfvarsRegion?: string) => {
      frame.clients ??= await aws.createAwsClients(
        { region: options.region, profile: options.profile, tfvarsRegion },
        ctx.log,
        ctx.io.env,
      );
      return frame.clients;
    };
    // run --dry-run reads SSM and checks the state machine; only the start is skipped.
    const prepared = await prepareInput(
      { ...options, offline: false },
      {
        log: ctx.log,
        env: ctx.io.env,
        now: ctx.now,
        readLiveSsm: async ({ path, names, tfvarsRegion }) =>
          aws.readSsmSnapshot(
            await getClients(tfvarsRegion),
            { ...(path !== undefined ? { path } : {}), names },
            ctx.log,
          ),
      },
    );
    reportPrepared(prepared, options, ctx);
    result.input = maskedInput(prepared.composition, options.showSecrets);

    const stateMachineArn = chooseStateMachine(options, prepared);
    const name = options.executionName ?? defaultName(prepared, ctx);
    if (options.executionName !== undefined) assertExecutionName(name);
    Object.assign(result, { stateMachineArn, name });
    const machineRegion = parseArn(stateMachineArn)?.region ?? "";
    const client = (await getClients(prepared.tfvarsRegion)).sfn(machineRegion);

    await checkStateMachine(aws, client, stateMachineArn, machineRegion);
    if (frame.interrupt.aborted)
      return finishInterrupted(result, frame.interrupt.reason, options, ctx, frame.clients);
    if (options.dryRun) {
      ctx.log.info(`Dry run: would start ${stateMachineArn} as ${name}; nothing was started.`);
      ctx.io.stdout(`${JSON.stringify({ stateMachineArn, name, input: result.input }, null, 2)}\n`);
      return finish(result, ExitCode.ok, "not-started", options, ctx, frame.clients);
    }

    const secretKeys = new Set(INPUT_KEYS.filter((key) => prepared.composition.provenance[key]?.secret));
    const start = await aws.startIdempotently(
      client,
      {
        stateMachineArn,
        name,
        input: JSON.stringify(prepared.composition.input),
        redrive: options.redrive,
        secretKeys,
      },
      { log: ctx.log, now: ctx.now, region: machineRegion },
    );
    result.executionArn = start.executionArn;
    result.consoleUrl = aws.consoleUrl(machineRegion, start.executionArn, consoleDomain(machineRegion));
    if (start.kind === "already-ended") {
      describeInto(result, start.execution);
      const error = start.execution.error ? ` (${start.execution.error})` : "";
      ctx.log.error(
        `Execution ${name} already ended ${result.status} with this input${error}; ${start.hint}.`,
      );
      if (result.consoleUrl) ctx.log.info(`console: ${result.consoleUrl}`);
      return finish(result, ExitCode.executionFailed, "failed", options, ctx, frame.clients);
    }
    if (start.kind === "already-succeeded") {
      ctx.log.info(`Execution ${name} already SUCCEEDED with this input; nothing to do.`);
      if (result.consoleUrl) ctx.log.info(`console: ${result.consoleUrl}`);
      describeInto(result, start.execution);
      return finish(result, ExitCode.ok, "succeeded", options, ctx, frame.clients);
    }
    announce(start.kind, start.executionArn, result.consoleUrl, ctx);
    result.status = "RUNNING";
    result.startDate = new Date(start.startedAt).toISOString();
    // A signal during the start gets the --on-abort action even with --no-wait: the loop does that first.
    if (!options.wait && !frame.interrupt.aborted) {
      ctx.log.info("--no-wait: not following the execution.");
      return finish(result, ExitCode.ok, "started", options, ctx, frame.clients);
    }
    const outcome = await aws.followExecution(
      start.executionArn,
      start.startedAt,
      waitOptions(options, ctx),
      {
        client,
        region: machineRegion,
        log: ctx.log,
        now: ctx.now,
        sleep: frame.sleep,
        interrupt: frame.interrupt,
      },
    );
    return report(outcome, result, options, ctx, frame.clients);
  });
}

/** `batchinf wait <execution-arn>`: attach to an execution and follow it as run does. */
export function waitCommand(
  executionArn: string,
  options: FollowOptions,
  ctx: CommandContext,
): Promise<number> {
  const result: RunResult = {
    status: "UNKNOWN",
    outcome: { exitCode: 0, reason: "not-started" },
    states: [],
    executionArn,
  };
  return inEveryEnding(result, options, ctx, async (frame) => {
    assertFollowOptions(options);
    if (!EXECUTION_ARN.test(executionArn)) {
      throw new InputError(
        `'${executionArn}' is not a Step Functions execution ARN; expected arn:aws:states:<region>:<account>:execution:<state-machine>:<name>.`,
      );
    }
    const aws = await loadAws();
    const arn = parseArn(executionArn);
    const region = arn?.region ?? "";
    const clients = await aws.createAwsClients(
      { region: options.region ?? region, profile: options.profile },
      ctx.log,
      ctx.io.env,
    );
    frame.clients = clients;
    const client = clients.sfn(region);
    const execution = await describeExistingExecution(aws, client, executionArn, region);
    describeInto(result, execution);
    if (options.showSecrets) {
      result.input = parseJsonOrText(execution.input);
    } else {
      // wait cannot tell which values came from SecureStrings: leave input and output out rather than guess.
      withoutPayloads.add(result);
      ctx.log.info(
        "The result leaves the execution's input and output out (pass --show-secrets to include them).",
      );
    }
    result.consoleUrl = aws.consoleUrl(region, executionArn, consoleDomain(region));
    const startedAt = execution.startDate?.getTime() ?? ctx.now();
    ctx.log.info(
      `Following execution ${execution.name} (${execution.status}), started ${new Date(startedAt).toISOString()}`,
    );
    if (result.consoleUrl) ctx.log.info(`console: ${result.consoleUrl}`);
    const outcome = await aws.followExecution(executionArn, startedAt, waitOptions(options, ctx), {
      client,
      region,
      log: ctx.log,
      now: ctx.now,
      sleep: frame.sleep,
      interrupt: frame.interrupt,
    });
    return report(outcome, result, options, ctx, frame.clients);
  });
}

interface Frame {
  interrupt: AbortSignal;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Set once built, so the result can count the calls made, whatever happens after. */
  clients?: AwsClients;
}

/**
 * The frame run and wait share: SIGINT/SIGTERM are listened for while the
 * body runs, and the result is written in every ending, errors included.
 */
async function inEveryEnding(
  result: RunResult,
  options: FollowOptions,
  ctx: CommandContext,
  body: (frame: Frame) => Promise<number>,
): Promise<number> {
  // An unwritable --result-file is found before anything starts, not after an hour of waiting.
  if (options.resultFile) await assertWritable(options.resultFile, result);
  const interrupt = listenForSignals(ctx);
  const frame: Frame = { interrupt: interrupt.signal, sleep: ctx.sleep ?? realSleep };
  try {
    return await body(frame);
  } catch (error: unknown) {
    await finishQuietly(result, toExit(error).code, options, ctx, frame.clients);
    throw error;
  } finally {
    interrupt.dispose();
  }
}

async function assertWritable(file: string, result: RunResult): Promise<void> {
  try {
    await writeResultFile(file, result);
  } catch (error: unknown) {
    throw new InputError(
      `Cannot write --result-file ${file}: ${(error as Error).message}; create its directory or choose another path.`,
      {
        cause: error,
      },
    );
  }
}

function chooseStateMachine(options: RunOptions, prepared: PreparedInput): string {
  const fromSsm = prepared.control.state_machine_arn?.value;
  const arn = options.stateMachineArn ?? (typeof fromSsm === "string" ? fromSsm : undefined);
  if (!arn) {
    throw new InputError(
      "No state machine to start: pass --state-machine-arn ARN, or have Terraform write state_machine_arn to SSM.",
    );
  }
  if (!STATE_MACHINE_ARN.test(arn)) {
    throw new InputError(
      `State machine ARN '${arn}' is malformed; expected arn:aws:states:<region>:<account>:stateMachine:<name>.`,
    );
  }
  const region = prepared.composition.input.region;
  const arnRegion = parseArn(arn)?.region;
  if (typeof region === "string" && arnRegion !== region) {
    throw new InputError(
      `State machine ${arn} is in ${arnRegion} but the input's region is ${region}; use the ${region} state machine or fix region.`,
    );
  }
  return arn;
}

type SfnClient = Parameters<AwsModule["describeStateMachine"]>[0];

async function describeExistingExecution(aws: AwsModule, client: SfnClient, arn: string, region: string) {
  try {
    return await aws.describeExecution(client, arn);
  } catch (error: unknown) {
    if ((error as { name?: string }).name === "ExecutionDoesNotExist") {
      throw new EnvironmentError(
        `Execution ${arn} does not exist in ${region}; check the ARN, the region and the account.`,
        { cause: error },
      );
    }
    throw aws.awsFailure(error, { operation: "states:DescribeExecution", region, resource: arn });
  }
}

async function checkStateMachine(
  aws: AwsModule,
  client: SfnClient,
  arn: string,
  region: string,
): Promise<void> {
  let machine: Awaited<ReturnType<AwsModule["describeStateMachine"]>>;
  try {
    machine = await aws.describeStateMachine(client, arn);
  } catch (error: unknown) {
    const name = (error as { name?: string }).name;
    if (name === "StateMachineDoesNotExist") {
      throw new EnvironmentError(
        `State machine ${arn} does not exist in ${region}; check --state-machine-arn or SSM state_machine_arn, and the account.`,
        {
          cause: error,
        },
      );
    }
    throw aws.awsFailure(error, { operation: "states:DescribeStateMachine", region, resource: arn });
  }
  if (machine.type === "EXPRESS") {
    throw new InputError(
      `State machine ${arn} is EXPRESS; batchinf follows STANDARD executions (EXPRESS has no execution history or idempotent start).`,
    );
  }
}

function defaultName(prepared: PreparedInput, ctx: CommandContext): string {
  const useCase = String(prepared.composition.input.use_case_name ?? "batch");
  return defaultExecutionName(useCase, prepared.date.compact, ctx.io.env.BUILD_TAG, ctx.now());
}

/** Flags that only matter while waiting are still checked before anything starts. */
function assertFollowOptions(options: FollowOptions): void {
  if (options.maxPollInterval < options.pollInterval) {
    throw new InputError(
      `--max-poll-interval ${formatDuration(options.maxPollInterval)} is shorter than --poll-interval ${formatDuration(options.pollInterval)}; make it at least as long.`,
    );
  }
  if (options.pollInterval <= 0) {
    throw new InputError("--poll-interval must be longer than 0; e.g. 2s.");
  }
}

function waitOptions(options: FollowOptions, ctx: CommandContext): WaitOptions {
  return {
    pollInterval: options.pollInterval,
    maxPollInterval: options.maxPollInterval,
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    stopOnTimeout: options.stopOnTimeout,
    onAbort: options.onAbort,
    ...(ctx.io.env.BUILD_URL ? { buildUrl: ctx.io.env.BUILD_URL } : {}),
  };
}

function announce(kind: string, executionArn: string, url: string | undefined, ctx: CommandContext): void {
  const verb = kind === "started" ? "Started" : kind === "redriven" ? "Redriven" : "Attached to";
  ctx.log.info(`${verb} execution ${executionArn}`);
  if (url) ctx.log.info(`console: ${url}`);
}

async function report(
  outcome: WaitOutcome,
  result: RunResult,
  options: FollowOptions,
  ctx: CommandContext,
  clients: AwsClients | undefined,
): Promise<number> {
  const { log } = ctx;
  if (outcome.execution) describeInto(result, outcome.execution);
  result.states = statesSummary(outcome.tracker.states());
  result.history = {
    events: outcome.tracker.events.length,
    fetched: outcome.history.fetched,
    calls: outcome.history.calls,
  };
  log.debug(
    `history: ${result.history.events} events, ${result.history.fetched} fetched in ${result.history.calls} calls`,
  );
  if (outcome.kind === "timeout") {
    log.error(
      outcome.stopped
        ? `Stopped waiting after --timeout and stopped the execution (${result.status}).`
        : "Stopped waiting after --timeout; the execution is still running.",
    );
    if (result.consoleUrl) log.info(`console: ${result.consoleUrl}`);
    return finish(result, ExitCode.timeout, "timeout", options, ctx, clients);
  }
  if (outcome.kind === "interrupted") {
    const code = outcome.signal === "SIGINT" ? ExitCode.sigint : ExitCode.sigterm;
    if (!outcome.stopped) result.status = "RUNNING";
    return finish(result, code, outcome.stopped ? "interrupted" : "detached", options, ctx, clients);
  }
  summarizeStates(result, ctx);
  const status = result.status;
  if (status === "SUCCEEDED") {
    log.info(`Execution SUCCEEDED in ${formatDuration(result.durationMs ?? 0)}`);
    if (result.consoleUrl) log.info(`console: ${result.consoleUrl}`);
    return finish(result, ExitCode.ok, "succeeded", options, ctx, clients);
  }
  const failure = outcome.tracker.failure();
  if (failure) {
    result.failedState = failure.state;
    result.error = failure.error ?? result.error;
    result.cause = failure.cause ?? result.cause;
  }
  log.error(
    `Execution ${status} at state ${result.failedState ?? "?"}${failure?.routedTo ? ` (caught, then ${failure.routedTo})` : ""}: ${result.error ?? (status === "TIMED_OUT" ? "States.Timeout" : "no error given")}`,
  );
  for (const line of explainCause(result.cause)) ctx.io.stderr(`  ${log.redact(line)}\n`);
  if (result.consoleUrl) log.info(`console: ${result.consoleUrl}`);
  return finish(result, ExitCode.executionFailed, "failed", options, ctx, clients);
}

function summarizeStates(result: RunResult, ctx: CommandContext): void {
  if (result.states.length === 0) return;
  const width = Math.max(...result.states.map((state) => state.name.length));
  ctx.log.info("States:");
  for (const state of result.states) {
    const duration = state.durationMs === undefined ? "" : formatDuration(state.durationMs);
    ctx.log.info(
      `  ${state.name.padEnd(width)}  ${state.status.padEnd(9)}  ${duration.padStart(8)}${state.attempts > 1 ? `  (${state.attempts} attempts)` : ""}`,
    );
  }
}

function describeInto(result: RunResult, execution: DescribeExecutionCommandOutput): void {
  result.status = execution.status ?? result.status;
  if (execution.name) result.name = execution.name;
  if (execution.stateMachineArn) result.stateMachineArn = execution.stateMachineArn;
  if (execution.startDate) result.startDate = execution.startDate.toISOString();
  if (execution.stopDate) result.stopDate = execution.stopDate.toISOString();
  if (execution.startDate && execution.stopDate)
    result.durationMs = execution.stopDate.getTime() - execution.startDate.getTime();
  if (execution.output !== undefined) result.output = parseJsonOrText(execution.output);
  if (execution.error) result.error = execution.error;
  if (execution.cause) result.cause = execution.cause;
}

async function finish(
  result: RunResult,
  exitCode: number,
  reason: RunResult["outcome"]["reason"],
  options: FollowOptions,
  ctx: CommandContext,
  clients: AwsClients | undefined,
): Promise<number> {
  result.outcome = { exitCode, reason };
  if (clients) result.apiCalls = { ...clients.calls };
  if (withoutPayloads.has(result)) {
    delete result.input;
    delete result.output;
  }
  const text = ctx.log.redact(`${JSON.stringify(result, null, 2)}\n`);
  if (options.resultFile) {
    try {
      await writeResultFile(options.resultFile, JSON.parse(text) as RunResult);
    } catch (error: unknown) {
      // How the run ended decides the exit code, not the bookkeeping after it.
      ctx.log.error(`could not write --result-file ${options.resultFile}: ${(error as Error).message}`);
    }
  }
  if (options.output === "json") ctx.io.stdout(text);
  return exitCode;
}

function finishInterrupted(
  result: RunResult,
  reason: unknown,
  options: FollowOptions,
  ctx: CommandContext,
  clients?: AwsClients,
) {
  ctx.log.warn(`${String(reason)} received before the start; nothing was started.`);
  return finish(
    result,
    reason === "SIGINT" ? ExitCode.sigint : ExitCode.sigterm,
    "interrupted",
    options,
    ctx,
    clients,
  );
}

/** On an error the result file still tells what happened; a failure to write it must not hide the error. */
async function finishQuietly(
  result: RunResult,
  exitCode: number,
  options: FollowOptions,
  ctx: CommandContext,
  clients?: AwsClients,
) {
  try {
    await finish(result, exitCode, result.executionArn ? "failed" : "not-started", options, ctx, clients);
  } catch (error: unknown) {
    ctx.log.warn(`could not write the result: ${(error as Error).message}`);
  }
}

function listenForSignals(ctx: CommandContext): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const dispose = ctx.signals?.onSignal((signal) => {
    if (!controller.signal.aborted) controller.abort(signal);
  });
  return { signal: controller.signal, dispose: dispose ?? (() => undefined) };
}

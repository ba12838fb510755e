import type { OptionsOf } from "../cli-options.js";
import { checkPollIntervals } from "../duration.js";
import { InputError } from "../errors.js";
import { assertExecutionName, defaultExecutionName } from "../execution/execution-name.js";
import { exitCodeOf } from "../execution/exit-code.js";
import { checkStateMachine } from "../execution/machine-check.js";
import type { ExecutionReport } from "../execution/model.js";
import { startAndFollow } from "../execution/service.js";
import { parseStateMachineArn, type StateMachineRef } from "../execution/state-machine.js";
import { INPUT_KEYS } from "../input/keys.js";
import { type InputOptions, type PrepareDeps, type PreparedInput, prepareInput } from "../input/prepare.js";
import { checkAgainstStateMachine } from "../validate/checks.js";
import type { Problem } from "../validate/problem.js";
import { lazyClients } from "./aws-session.js";
import type { CommandContext } from "./context.js";
import { closeQuietly, followOptions, openFrame, pricesOption, serviceDeps } from "./follow-shared.js";
import { preflightBeforeStart } from "./preflight-step.js";
import { describeProblem, maskedInput, reportPrepared } from "./render.js";

export type RunOptions = OptionsOf<"run">;

/** `batchinf run`: compose, validate, start idempotently, follow, report. */
export async function runCommand(options: RunOptions, ctx: CommandContext): Promise<number> {
  // The reports open first: whatever is refused after this is written into them (every ending).
  const frame = await openFrame(ctx, options);
  const report: ExecutionReport = { status: "NOT_STARTED", states: [], outcome: { kind: "started" } };
  frame.reports.push(report);
  let session: ReturnType<typeof lazyClients> | undefined;
  try {
    checkPollIntervals(options.pollInterval, options.maxPollInterval, labels(ctx));
    const prices = await pricesOption(options, ctx);
    const clientsOnDemand = lazyClients(options, ctx);
    session = clientsOnDemand;
    const getClients = clientsOnDemand.get;
    // run --dry-run reads SSM and checks the state machine; only the start is skipped.
    const prepared = await composeAsRun(options, ctx, clientsOnDemand.readLiveSsm);
    report.input = maskedInput(prepared.composition, options.showSecrets);
    const machine = chooseStateMachine(options, prepared, ctx);
    assertSameAccount(prepared, machine, ctx);
    const name = options.executionName ?? defaultName(prepared, ctx);
    if (options.executionName !== undefined) assertExecutionName(name);
    const client = (await getClients(prepared.tfvarsRegion)).sfn(machine.region);
    const facts = await checkStateMachine(client, machine, frame.interrupt);
    report.definitionStates = facts.states;
    for (const route of facts.routing ?? []) {
      ctx.log.info(
        `alias ${machine.qualifier?.kind === "alias" ? machine.qualifier.alias : "?"} routes ${route.weight}% to version ${route.version}`,
      );
    }
    await preflightBeforeStart({
      mode: options.preflight,
      clients: await getClients(prepared.tfvarsRegion),
      machine,
      facts,
      inputs: [prepared.composition.input],
      signal: frame.interrupt,
      ctx,
      onReport: (found) => {
        report.preflight = found;
      },
    });
    await startAndFollow(
      {
        machine,
        name,
        input: JSON.stringify(prepared.composition.input),
        redrive: options.redrive,
        secretKeys: new Set(INPUT_KEYS.filter((key) => prepared.composition.provenance[key]?.secret)),
      },
      { ...followOptions(options, ctx), wait: options.wait, dryRun: options.dryRun },
      report,
      serviceDeps({
        client,
        clients: await getClients(prepared.tfvarsRegion),
        frame,
        ctx,
        region: machine.region,
        account: machine.account,
        options,
        ...(prices ? { prices } : {}),
      }),
    );
    if (options.dryRun && options.output !== "json") {
      ctx.io.stdout(
        `${JSON.stringify(ctx.log.secrets.maskValue({ stateMachineArn: machine.arn, name, input: report.input }), null, 2)}\n`,
      );
    }
  } catch (error: unknown) {
    report.outcome = { kind: "error", error };
    await closeQuietly(frame, session?.current(), ctx);
    throw error;
  }
  await closeQuietly(frame, session?.current(), ctx);
  return exitCodeOf(report.outcome);
}

/** The input as run composes it (SSM read live), validated and reported (`--explain`, overrides). */
export async function composeAsRun(
  options: Omit<InputOptions, "offline"> & { explain: boolean; showSecrets: boolean },
  ctx: CommandContext,
  readLiveSsm: NonNullable<PrepareDeps["readLiveSsm"]>,
): Promise<PreparedInput> {
  const prepared = await prepareInput(
    { ...options, offline: false },
    {
      log: ctx.log,
      env: ctx.io.env,
      now: ctx.now,
      ...(ctx.optionLabel ? { label: ctx.optionLabel } : {}),
      readLiveSsm,
    },
  );
  reportPrepared(prepared, options, ctx);
  return prepared;
}

export function chooseStateMachine(
  options: Pick<RunOptions, "stateMachineArn">,
  prepared: PreparedInput,
  ctx: CommandContext,
): StateMachineRef {
  const fromSsm = prepared.control.state_machine_arn;
  const arn = options.stateMachineArn ?? (typeof fromSsm?.value === "string" ? fromSsm.value : undefined);
  if (!arn) {
    throw new InputError(
      "No state machine to start: pass --state-machine-arn ARN, or have Terraform write state_machine_arn to SSM.",
    );
  }
  const label =
    options.stateMachineArn !== undefined
      ? (ctx.optionLabel?.("stateMachineArn") ?? "--state-machine-arn")
      : `SSM ${fromSsm?.origin ?? "state_machine_arn"}`;
  const machine = parseStateMachineArn(arn, label);
  const region = prepared.composition.input.region;
  if (typeof region === "string" && machine.region !== region) {
    throw new InputError(
      `State machine ${arn} (${label}) is in ${machine.region} but the input's region is ${region}; use the ${region} state machine or fix region.`,
    );
  }
  return machine;
}

/** Batch ARNs in another account or region fail hours later, after every Glue job: refuse them now. */
export function assertSameAccount(
  prepared: PreparedInput,
  machine: StateMachineRef,
  ctx: CommandContext,
): void {
  const problems = checkAgainstStateMachine(prepared.composition.input, machine);
  const describe = (problem: Problem) => describeProblem(problem, prepared, ctx.log.secrets);
  for (const problem of problems) if (problem.severity === "warning") ctx.log.warn(describe(problem));
  const errors = problems.filter((problem) => problem.severity === "error");
  if (errors.length === 0) return;
  throw new InputError(
    `The input does not fit state machine ${machine.arn} (${errors.length} ${errors.length === 1 ? "problem" : "problems"}); nothing was started. Use resources of the state machine's account and region, or the state machine of theirs.`,
    { details: errors.map(describe) },
  );
}

function defaultName(prepared: PreparedInput, ctx: CommandContext): string {
  const useCase = String(prepared.composition.input.use_case_name ?? "batch");
  return defaultExecutionName(useCase, prepared.date.compact, ctx.io.env.BUILD_TAG, ctx.now());
}

function labels(ctx: CommandContext) {
  return (option: string) => ctx.optionLabel?.(option) ?? option;
}

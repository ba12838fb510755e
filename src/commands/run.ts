import type { AwsClients } from "../aws/clients.js";
import { loadAws } from "../aws/load.js";
import type { OptionsOf } from "../cli-options.js";
import { InputError } from "../errors.js";
import { assertExecutionName, defaultExecutionName } from "../execution/execution-name.js";
import { exitCodeOf } from "../execution/exit-code.js";
import { checkPollIntervals } from "../execution/follow-options.js";
import type { ExecutionReport } from "../execution/model.js";
import { parseStateMachineArn, type StateMachineRef } from "../execution/state-machine.js";
import { INPUT_KEYS } from "../input/keys.js";
import { type PreparedInput, prepareInput } from "../input/prepare.js";
import type { CommandContext } from "./context.js";
import { closeQuietly, followOptions, openFrame, serviceDeps } from "./follow-shared.js";
import { maskedInput, reportPrepared } from "./render.js";

export type RunOptions = OptionsOf<"run">;

/** `batchinf run`: compose, validate, start idempotently, follow, report. */
export async function runCommand(options: RunOptions, ctx: CommandContext): Promise<number> {
  checkPollIntervals(options, labels(ctx));
  const frame = await openFrame(ctx, options);
  const report: ExecutionReport = { status: "NOT_STARTED", states: [], outcome: { kind: "started" } };
  frame.reports.push(report);
  let clients: AwsClients | undefined;
  try {
    const aws = await loadAws();
    const getClients = async (tfvarsRegion?: string) => {
      clients ??= await aws.createAwsClients(
        { region: options.region, profile: options.profile, tfvarsRegion },
        ctx.log,
        ctx.io.env,
      );
      return clients;
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
    report.input = maskedInput(prepared.composition, options.showSecrets);
    const machine = chooseStateMachine(options, prepared, ctx);
    const name = options.executionName ?? defaultName(prepared, ctx);
    if (options.executionName !== undefined) assertExecutionName(name);
    const client = (await getClients(prepared.tfvarsRegion)).sfn(machine.region);
    const facts = await aws.checkStateMachine(client, machine, frame.interrupt);
    report.definitionStates = facts.states;
    await aws.startAndFollow(
      {
        machine,
        name,
        input: JSON.stringify(prepared.composition.input),
        redrive: options.redrive,
        secretKeys: new Set(INPUT_KEYS.filter((key) => prepared.composition.provenance[key]?.secret)),
      },
      { ...followOptions(options, ctx), wait: options.wait, dryRun: options.dryRun },
      report,
      serviceDeps(aws, client, frame, ctx, machine.region),
    );
    if (options.dryRun && options.output !== "json") {
      ctx.io.stdout(
        `${JSON.stringify(ctx.log.secrets.maskValue({ stateMachineArn: machine.arn, name, input: report.input }), null, 2)}\n`,
      );
    }
  } catch (error: unknown) {
    report.outcome = { kind: "error", error };
    await closeQuietly(frame, clients, ctx);
    throw error;
  }
  await closeQuietly(frame, clients, ctx);
  return exitCodeOf(report.outcome);
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

function defaultName(prepared: PreparedInput, ctx: CommandContext): string {
  const useCase = String(prepared.composition.input.use_case_name ?? "batch");
  return defaultExecutionName(useCase, prepared.date.compact, ctx.io.env.BUILD_TAG, ctx.now());
}

function labels(ctx: CommandContext) {
  return (option: string) => ctx.optionLabel?.(option) ?? option;
}

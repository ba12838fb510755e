import type { OptionsOf } from "../cli-options.js";
import { checkPollIntervals } from "../duration.js";
import { exitCodeOf, outcomeOfError } from "../execution/exit-code.js";
import { checkStateMachine } from "../execution/machine-check.js";
import type { ExecutionReport } from "../execution/model.js";
import { startAndFollow } from "../execution/service.js";
import { INPUT_KEYS } from "../input/keys.js";
import { planExecution } from "../plan/plan.js";
import { maskedInput } from "../plan/prepared.js";
import { maskedJson } from "../secrets/masked-json.js";
import { lazyClients } from "./aws-session.js";
import { type CommandContext, labelsOf } from "./context.js";
import { closeQuietly, followOptions, openFrame, pricesOption, serviceDeps } from "./follow-shared.js";
import { preflightBeforeStart } from "./preflight-step.js";

export type RunOptions = OptionsOf<"run">;

/** `batchinf run`: compose, validate, start idempotently, follow, report. */
export async function runCommand(options: RunOptions, ctx: CommandContext): Promise<number> {
  // The reports open first: whatever is refused after this is written into them (every ending).
  const frame = await openFrame(ctx, options);
  const report: ExecutionReport = { status: "NOT_STARTED", states: [], outcome: { kind: "started" } };
  frame.reports.push(report);
  let session: ReturnType<typeof lazyClients> | undefined;
  try {
    checkPollIntervals(options.pollInterval, options.maxPollInterval, labelsOf(ctx));
    const prices = await pricesOption(options, ctx);
    const clientsOnDemand = lazyClients(options, ctx, frame.interrupt);
    session = clientsOnDemand;
    const getClients = clientsOnDemand.get;
    // run --dry-run reads SSM and checks the state machine; only the start is skipped.
    const { prepared, machine, name } = await planExecution(
      options,
      {
        log: ctx.log,
        env: ctx.io.env,
        now: ctx.now,
        label: labelsOf(ctx),
        readLiveSsm: clientsOnDemand.readLiveSsm,
      },
      (valid) => {
        report.input = maskedInput(valid.composition, options.showSecrets);
      },
    );
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
        ssmKeys: new Set(INPUT_KEYS.filter((key) => prepared.composition.provenance[key]?.source === "ssm")),
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
      ctx.io.stdout(maskedJson({ stateMachineArn: machine.arn, name, input: report.input }, ctx.log.secrets));
    }
  } catch (error: unknown) {
    report.outcome = outcomeOfError(error, options.onAbort);
    await closeQuietly(frame, session?.current(), ctx);
    throw error;
  }
  await closeQuietly(frame, session?.current(), ctx);
  return exitCodeOf(report.outcome);
}

import type { OptionsOf } from "../cli-options.js";
import { exitCodeOf, outcomeOfError } from "../execution/exit-code.js";
import { checkStateMachine } from "../execution/machine-check.js";
import type { ExecutionReport } from "../execution/model.js";
import { planExecution } from "../plan/plan.js";
import { maskedInput } from "../plan/prepared.js";
import { lazyClients } from "./aws-session.js";
import type { CommandContext } from "./context.js";
import { labelsOf } from "./context.js";
import { closeQuietly, openFrame } from "./follow-shared.js";
import { preflightBeforeStart } from "./preflight-step.js";

export type PreflightOptions = OptionsOf<"preflight">;

/**
 * `batchinf preflight`: what `run` would check before its start, alone:
 * compose and validate as run does, check the state machine, then every
 * resource and permission. Exit 0 when nothing failed (warnings and
 * "not checked" included), 3 when a check failed; nothing is ever started.
 */
export async function preflightCommand(options: PreflightOptions, ctx: CommandContext): Promise<number> {
  const frame = await openFrame(ctx, options, { command: "preflight" });
  const report: ExecutionReport = { status: "NOT_STARTED", states: [], outcome: { kind: "dry-run" } };
  frame.reports.push(report);
  let session: ReturnType<typeof lazyClients> | undefined;
  try {
    session = lazyClients(options, ctx, frame.interrupt);
    const { prepared, machine } = await planExecution(
      options,
      {
        log: ctx.log,
        env: ctx.io.env,
        now: ctx.now,
        label: labelsOf(ctx),
        readLiveSsm: session.readLiveSsm,
      },
      (valid) => {
        report.input = maskedInput(valid.composition, options.showSecrets);
      },
    );
    const clients = await session.get(prepared.tfvarsRegion);
    const facts = await checkStateMachine(clients.sfn(machine.region), machine, frame.interrupt);
    report.stateMachineArn = machine.baseArn;
    await preflightBeforeStart({
      mode: "strict",
      clients,
      machine,
      facts,
      inputs: [prepared.composition.input],
      signal: frame.interrupt,
      ctx,
      onReport: (found) => {
        report.preflight = found;
      },
    });
  } catch (error: unknown) {
    // A signal or the deadline is an outcome of its own, worded as run words it ("interrupted"), not an error.
    report.outcome = outcomeOfError(error, "stop");
    await closeQuietly(frame, session?.current(), ctx);
    throw error;
  }
  await closeQuietly(frame, session?.current(), ctx);
  return exitCodeOf(report.outcome);
}

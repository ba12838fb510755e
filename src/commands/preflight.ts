import type { OptionsOf } from "../cli-options.js";
import { exitCodeOf } from "../execution/exit-code.js";
import { checkStateMachine } from "../execution/machine-check.js";
import type { ExecutionReport } from "../execution/model.js";
import { lazyClients } from "./aws-session.js";
import type { CommandContext } from "./context.js";
import { closeQuietly, openFrame } from "./follow-shared.js";
import { preflightBeforeStart } from "./preflight-step.js";
import { maskedInput } from "./render.js";
import { assertSameAccount, chooseStateMachine, composeAsRun } from "./run.js";

export type PreflightOptions = OptionsOf<"preflight">;

/**
 * `batchinf preflight`: what `run` would check before its start, alone:
 * compose and validate as run does, check the state machine, then every
 * resource and permission. Exit 0 when nothing failed (warnings and
 * "not checked" included), 3 when a check failed; nothing is ever started.
 */
export async function preflightCommand(options: PreflightOptions, ctx: CommandContext): Promise<number> {
  const frame = await openFrame(ctx, options, { command: "preflight", preflightOnly: true });
  const report: ExecutionReport = { status: "NOT_STARTED", states: [], outcome: { kind: "dry-run" } };
  frame.reports.push(report);
  let session: ReturnType<typeof lazyClients> | undefined;
  try {
    session = lazyClients(options, ctx);
    const prepared = await composeAsRun(options, ctx, session.readLiveSsm);
    report.input = maskedInput(prepared.composition, options.showSecrets);
    const machine = chooseStateMachine(options, prepared, ctx);
    assertSameAccount(prepared, machine, ctx);
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
    report.outcome = { kind: "error", error };
    await closeQuietly(frame, session?.current(), ctx);
    throw error;
  }
  await closeQuietly(frame, session?.current(), ctx);
  return exitCodeOf(report.outcome);
}

import type { AwsClients } from "../aws/clients.js";
import type { MachineFacts } from "../execution/machine-check.js";
import type { PreflightMode, PreflightReport } from "../execution/preflight.js";
import type { StateMachineRef } from "../execution/state-machine.js";
import { preflightGate } from "../preflight/gate.js";
import { runPreflightLoaded } from "../preflight/load.js";
import { planPreflight } from "../preflight/plan.js";
import type { CommandContext } from "./context.js";

/**
 * Preflight between the state machine check and the first StartExecution:
 * the plan from the definition and every input (backfill: each resource once
 * for all dates), the checks in the state machine's region, the gate.
 */
export function preflightBeforeStart(setup: {
  mode: PreflightMode;
  clients: AwsClients;
  machine: StateMachineRef;
  facts: MachineFacts;
  inputs: ReadonlyArray<Record<string, unknown>>;
  signal: AbortSignal;
  ctx: CommandContext;
  onReport: (report: PreflightReport) => void;
}): Promise<PreflightReport | undefined> {
  const { mode, clients, machine, facts, ctx } = setup;
  return preflightGate(
    mode,
    async () => {
      const plan = planPreflight({
        ...(facts.definition ? { definition: facts.definition } : {}),
        ...(facts.roleArn ? { role: facts.roleArn } : {}),
        where: { partition: machine.partition, region: machine.region, account: machine.account },
        inputs: setup.inputs,
      });
      return runPreflightLoaded(plan, {
        clients: await clients.preflight(machine.region),
        mode,
        signal: setup.signal,
        now: ctx.now,
        calls: () => Object.values(clients.calls).reduce((sum, n) => sum + n, 0),
      });
    },
    ctx.log,
    setup.onReport,
  );
}

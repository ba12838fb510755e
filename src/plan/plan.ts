import { InputError } from "../errors.js";
import { assertExecutionName, defaultExecutionName } from "../execution/execution-name.js";
import { parseStateMachineArn, type StateMachineRef } from "../execution/state-machine.js";
import type { Composition } from "../input/compose.js";
import { type InputOptions, type PrepareDeps, type PreparedInput, prepareInput } from "../input/prepare.js";
import type { Logger } from "../io/log.js";
import type { ExecutionDate } from "../sources/clock.js";
import { checkAgainstStateMachine } from "../validate/checks.js";
import type { Problem } from "../validate/problem.js";
import { describeProblem, reportPrepared } from "./prepared.js";

// The plan of an execution, before anything is started: compose the input,
// choose the state machine, check that the input fits its account, region
// and partition, name the execution. run, backfill and preflight take these
// steps from here, in this order; the command then checks the machine itself
// (execution/machine-check.ts) with the client it built.

/** What a plan reads with: the log, the environment, the clock, how options are named, SSM. */
export interface PlanDeps extends PrepareDeps {
  readLiveSsm: NonNullable<PrepareDeps["readLiveSsm"]>;
}

export interface PlanOptions extends Omit<InputOptions, "offline"> {
  stateMachineArn?: string;
  executionName?: string;
  explain: boolean;
  showSecrets: boolean;
}

export interface ExecutionPlan {
  prepared: PreparedInput;
  machine: StateMachineRef;
  name: string;
}

/**
 * run's and preflight's plan: one input, composed and valid (or an
 * InputError listing every problem), its state machine, its name.
 * `composed` sees the input once it is valid, before anything else can
 * refuse it (a report then holds the input whatever ends the command).
 */
export async function planExecution(
  options: PlanOptions,
  deps: PlanDeps,
  composed?: (prepared: PreparedInput) => void,
): Promise<ExecutionPlan> {
  const prepared = await composeInput(options, deps);
  reportPrepared(prepared, options, deps.log);
  composed?.(prepared);
  const machine = chooseStateMachine(options, prepared, deps.label);
  assertSameAccount(prepared, machine, deps.log);
  const name = nameExecution(prepared.composition, prepared.date, {
    ...(options.executionName !== undefined ? { explicit: options.executionName } : {}),
    ...(deps.env.BUILD_TAG !== undefined ? { buildTag: deps.env.BUILD_TAG } : {}),
    at: deps.now(),
  });
  return { prepared, machine, name };
}

/** Every source read, composed: SSM live (never offline), so the state machine may come from it. */
export function composeInput(options: Omit<InputOptions, "offline">, deps: PlanDeps): Promise<PreparedInput> {
  return prepareInput({ ...options, offline: false }, deps);
}

/** --state-machine-arn, else the ARN Terraform wrote to SSM; in the input's region. */
export function chooseStateMachine(
  options: Pick<PlanOptions, "stateMachineArn">,
  prepared: PreparedInput,
  label: (option: string) => string,
): StateMachineRef {
  const fromSsm = prepared.control.state_machine_arn;
  const arn = options.stateMachineArn ?? (typeof fromSsm?.value === "string" ? fromSsm.value : undefined);
  if (!arn) {
    throw new InputError(
      "No state machine to start: pass --state-machine-arn ARN, or have Terraform write state_machine_arn to SSM.",
    );
  }
  const named =
    options.stateMachineArn !== undefined
      ? label("stateMachineArn")
      : `SSM ${fromSsm?.origin ?? "state_machine_arn"}`;
  const machine = parseStateMachineArn(arn, named);
  const region = prepared.composition.input.region;
  if (typeof region === "string" && machine.region !== region) {
    throw new InputError(
      `State machine ${arn} (${named}) is in ${machine.region} but the input's region is ${region}; use the ${region} state machine or fix region.`,
    );
  }
  return machine;
}

/** Batch ARNs in another account or region fail hours later, after every Glue job: refuse them now. */
export function assertSameAccount(prepared: PreparedInput, machine: StateMachineRef, log: Logger): void {
  const problems = checkAgainstStateMachine(prepared.composition.input, machine);
  const describe = (problem: Problem) => describeProblem(problem, prepared, log.secrets);
  for (const problem of problems) if (problem.severity === "warning") log.warn(describe(problem));
  const errors = problems.filter((problem) => problem.severity === "error");
  if (errors.length === 0) return;
  throw new InputError(
    `The input does not fit state machine ${machine.arn} (${errors.length} ${errors.length === 1 ? "problem" : "problems"}); nothing was started. Use resources of the state machine's account and region, or the state machine of theirs.`,
    { details: errors.map(describe) },
  );
}

/**
 * --execution-name as given (checked), else the name a rerun of the same
 * Jenkins build finds again: use case, date, BUILD_TAG.
 */
export function nameExecution(
  composition: Composition,
  date: ExecutionDate,
  naming: { explicit?: string; buildTag?: string; at: number },
): string {
  if (naming.explicit !== undefined) {
    assertExecutionName(naming.explicit);
    return naming.explicit;
  }
  const useCase = String(composition.input.use_case_name ?? "batch");
  return defaultExecutionName(useCase, date.compact, naming.buildTag, naming.at);
}

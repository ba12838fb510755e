import type { SFNClient } from "@aws-sdk/client-sfn";
import { awsErrorName, awsFailure } from "../aws/errors.js";
import { describeStateMachine, describeStateMachineAlias } from "../aws/sfn.js";
import { EnvironmentError, InputError } from "../errors.js";
import { describeQualifier, type StateMachineRef } from "./state-machine.js";

export interface MachineFacts {
  /** Top-level state names of the definition that will run, in definition order. */
  states: string[];
  /** For an alias: the versions it routes to (with weights), as the log names them. */
  routing?: Array<{ version: string; weight: number }>;
  /** The definition that will run (ASL JSON) and the role it runs as: what preflight checks. */
  definition?: string;
  roleArn?: string;
}

/**
 * Before anything starts: the state machine (or its version, or the versions
 * its alias routes to) exists and is STANDARD, and its definition names the
 * states the reports list as "never reached" when they do not run.
 */
export async function checkStateMachine(
  client: SFNClient,
  machine: StateMachineRef,
  signal: AbortSignal,
): Promise<MachineFacts> {
  let describedArn = machine.arn;
  let routing: MachineFacts["routing"];
  if (machine.qualifier?.kind === "alias") {
    try {
      const alias = await describeStateMachineAlias(client, machine.arn, signal);
      routing = (alias.routingConfiguration ?? []).map((route) => ({
        version: route.stateMachineVersionArn?.split(":").pop() ?? "?",
        weight: route.weight ?? 0,
      }));
      describedArn = alias.routingConfiguration?.[0]?.stateMachineVersionArn ?? machine.baseArn;
    } catch (error: unknown) {
      throw notFoundOr(error, machine, "states:DescribeStateMachineAlias");
    }
  }
  let described: Awaited<ReturnType<typeof describeStateMachine>>;
  try {
    described = await describeStateMachine(client, describedArn, signal);
  } catch (error: unknown) {
    throw notFoundOr(error, machine, "states:DescribeStateMachine");
  }
  if (described.type === "EXPRESS") {
    throw new InputError(
      `State machine ${machine.arn} is EXPRESS; batchinf follows STANDARD executions (EXPRESS has no execution history or idempotent start).`,
    );
  }
  return {
    states: topLevelStates(described.definition),
    ...(routing ? { routing } : {}),
    ...(described.definition ? { definition: described.definition } : {}),
    ...(described.roleArn ? { roleArn: described.roleArn } : {}),
  };
}

function notFoundOr(error: unknown, machine: StateMachineRef, operation: string): Error {
  const name = awsErrorName(error);
  if (name === "StateMachineDoesNotExist" || name === "ResourceNotFound") {
    const what = describeQualifier(machine);
    return new EnvironmentError(
      `State machine ${machine.arn}${what ? ` (${what})` : ""} does not exist in ${machine.region}; check --state-machine-arn or SSM state_machine_arn, and the account.`,
      { cause: error },
    );
  }
  return awsFailure(error, { operation, region: machine.region, resource: machine.arn });
}

/** The definition's top-level states, from StartAt along the order they are declared. */
export function topLevelStates(definition: string | undefined): string[] {
  if (!definition) return [];
  try {
    const parsed = JSON.parse(definition) as { States?: Record<string, unknown> };
    return parsed.States && typeof parsed.States === "object" ? Object.keys(parsed.States) : [];
  } catch {
    return [];
  }
}

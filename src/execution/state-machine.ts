import { InputError } from "../errors.js";
import { isServiceName } from "./execution-name.js";

/**
 * A state machine reference as the user gave it: the base ARN, or a version
 * (`...:stateMachine:NAME:3`) or alias (`...:stateMachine:NAME:prod`) of it.
 * Every place that parses or builds an ARN from it goes through this value,
 * so an execution ARN is never built from the qualified form.
 */
export interface StateMachineRef {
  /** Exactly as given: what StartExecution is called with. */
  arn: string;
  /** The unqualified ARN: executions belong to it, whatever version ran. */
  baseArn: string;
  name: string;
  partition: string;
  region: string;
  account: string;
  qualifier?: { kind: "version"; version: string } | { kind: "alias"; alias: string };
}

// Names are whatever Step Functions accepts (isServiceName): ':' is never in one, so it splits the ARN.
const STATE_MACHINE =
  /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):stateMachine:([^:]+)(?::([A-Za-z0-9_.-]{1,80}))?$/;
const EXECUTION = /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):execution:([^:]+):([^:]+)$/;

export function parseStateMachineArn(text: string, label = "--state-machine-arn"): StateMachineRef {
  const match = STATE_MACHINE.exec(text);
  if (!match || !isServiceName(match[4] ?? "")) {
    throw new InputError(
      `${label} '${text}' is not a state machine ARN; expected arn:aws:states:<region>:<account>:stateMachine:<name>, optionally with :<version> or :<alias>.`,
    );
  }
  const [, partition = "", region = "", account = "", name = "", qualifier] = match;
  const baseArn = `arn:${partition}:states:${region}:${account}:stateMachine:${name}`;
  const ref: StateMachineRef = { arn: text, baseArn, name, partition, region, account };
  // Versions are numbers; alias names may not be (Step Functions refuses all-digit alias names).
  if (qualifier !== undefined) {
    ref.qualifier = /^\d+$/.test(qualifier)
      ? { kind: "version", version: qualifier }
      : { kind: "alias", alias: qualifier };
  }
  return ref;
}

export interface ExecutionRef {
  arn: string;
  partition: string;
  region: string;
  account: string;
  stateMachineName: string;
  name: string;
  /** The unqualified state machine the execution belongs to. */
  stateMachineArn: string;
}

export function parseExecutionArn(text: string): ExecutionRef | undefined {
  const match = EXECUTION.exec(text);
  if (!match) return undefined;
  const [, partition = "", region = "", account = "", stateMachineName = "", name = ""] = match;
  if (!isServiceName(stateMachineName) || !isServiceName(name)) return undefined;
  return {
    arn: text,
    partition,
    region,
    account,
    stateMachineName,
    name,
    stateMachineArn: `arn:${partition}:states:${region}:${account}:stateMachine:${stateMachineName}`,
  };
}

/** `...:stateMachine:NAME[:qualifier]` + `EXEC` -> `...:execution:NAME:EXEC`, qualifier dropped. */
export function executionArnOf(machine: StateMachineRef, name: string): string {
  return `arn:${machine.partition}:states:${machine.region}:${machine.account}:execution:${machine.name}:${name}`;
}

/** "version 3", "alias prod": how the log names a qualified machine. */
export function describeQualifier(machine: StateMachineRef): string | undefined {
  if (!machine.qualifier) return undefined;
  return machine.qualifier.kind === "version"
    ? `version ${machine.qualifier.version}`
    : `alias ${machine.qualifier.alias}`;
}

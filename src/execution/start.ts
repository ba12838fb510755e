import type { DescribeExecutionCommandOutput, SFNClient } from "@aws-sdk/client-sfn";
import { awsErrorName, awsFailure, classifyAwsError } from "../aws/errors.js";
import { describeExecution, redriveExecution, startExecution } from "../aws/sfn.js";
import { EnvironmentError, InputError, isCallCutShort } from "../errors.js";
import { parseJsonObject } from "../json/parse-object.js";
import { MASK, type Secrets } from "../secrets/secrets.js";
import type { TerminalStatus } from "./model.js";
import { executionArnOf, type StateMachineRef } from "./state-machine.js";

export type StartResult =
  | { kind: "started" | "attached" | "redriven"; executionArn: string; startedAt: number; status?: string }
  /**
   * StartExecution was sent and its answer never came (cut short by the
   * signal, or no answer within the request timeout on every attempt): the
   * execution may have started. `error` is why the answer is missing.
   */
  | { kind: "unanswered"; executionArn: string; error: unknown }
  /** Same name and input, already ended and not redriven: `hint` says how to go on when it failed. */
  | {
      kind: "found-ended";
      executionArn: string;
      status: TerminalStatus;
      execution: DescribeExecutionCommandOutput;
      hint?: string;
    };

export interface StartRequest {
  machine: StateMachineRef;
  name: string;
  /** The exact JSON sent. */
  input: string;
  redrive: boolean;
  /** Keys whose values are secret (any length): never shown in the differing-input message. */
  secretKeys: ReadonlySet<string>;
  /**
   * Keys whose value in this run comes from SSM: the existing execution's
   * value of such a key is not shown either (it may have been a SecureString
   * when that execution read it), only its length.
   */
  ssmKeys: ReadonlySet<string>;
  /**
   * The execution of this name as already looked up (backfill looks up every
   * date before it starts any); `null`: looked up, there is none. Undefined:
   * look it up now.
   */
  known?: DescribeExecutionCommandOutput | null;
}

export interface StartDeps {
  client: SFNClient;
  secrets: Secrets;
  now: () => number;
  /** Cuts every call short, the start included: the interrupt. */
  signal: AbortSignal;
  /**
   * Awaited right before StartExecution is sent, with the ARN the execution
   * will have: the result file names it before the start can happen.
   */
  beforeStart?(executionArn: string): Promise<void>;
}

const TERMINAL = new Set<string>(["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]);

/**
 * Start once, whatever happens around it. A retried Jenkins build reuses its
 * execution name, so look first: an execution of that name is attached to,
 * reported, redriven or refused by the rules of the contract. A race with
 * another start is still safe: Step Functions (STANDARD) returns the running
 * execution for the same name and input, and refuses anything else.
 */
export async function startIdempotently(request: StartRequest, deps: StartDeps): Promise<StartResult> {
  const executionArn = executionArnOf(request.machine, request.name);
  const existing =
    request.known !== undefined
      ? (request.known ?? undefined)
      : await describeIfExists(executionArn, request, deps);
  if (existing) return sameName(existing, executionArn, request, deps);
  await deps.beforeStart?.(executionArn);
  const calledAt = deps.now();
  try {
    const started = await startExecution(
      deps.client,
      { stateMachineArn: request.machine.arn, name: request.name, input: request.input },
      deps.signal,
    );
    return {
      kind: "started",
      executionArn: started.executionArn ?? executionArn,
      startedAt: started.startDate?.getTime() ?? calledAt,
    };
  } catch (error: unknown) {
    if (answerNeverCame(error)) return { kind: "unanswered", executionArn, error };
    const name = awsErrorName(error);
    if (name === "ExecutionAlreadyExists") {
      const raced = await describeIfExists(executionArn, request, deps);
      if (raced) return sameName(raced, executionArn, request, deps);
    }
    if (name === "StateMachineDoesNotExist" || name === "StateMachineDeleting") {
      throw new EnvironmentError(
        `State machine ${request.machine.arn} does not exist in ${request.machine.region} (${name}); check --state-machine-arn or SSM state_machine_arn.`,
        { cause: error },
      );
    }
    if (classifyAwsError(error) === "invalid") {
      throw new InputError(
        `Step Functions refused the execution (${name}: ${(error as Error).message}); nothing was started.`,
        { cause: error },
      );
    }
    throw awsFailure(error, {
      operation: "states:StartExecution",
      region: request.machine.region,
      resource: request.machine.arn,
    });
  }
}

/**
 * The request may have reached Step Functions but no answer came back: cut
 * short, timed out, or the connection dropped. An HTTP answer (an error
 * code) means the service decided, and said so.
 */
function answerNeverCame(error: unknown): boolean {
  if (isCallCutShort(error)) return !error.unsent;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return status === undefined && classifyAwsError(error) === "transient";
}

/** The execution a start of this job would meet under its name, if any (not cut short by a signal). */
export function lookUpExecution(
  request: Pick<StartRequest, "machine" | "name">,
  deps: Pick<StartDeps, "client" | "signal">,
): Promise<DescribeExecutionCommandOutput | undefined> {
  return describeIfExists(executionArnOf(request.machine, request.name), request, deps);
}

async function describeIfExists(
  executionArn: string,
  request: Pick<StartRequest, "machine">,
  deps: Pick<StartDeps, "client" | "signal">,
): Promise<DescribeExecutionCommandOutput | undefined> {
  try {
    return await describeExecution(deps.client, executionArn, deps.signal);
  } catch (error: unknown) {
    if (awsErrorName(error) === "ExecutionDoesNotExist") return undefined;
    throw awsFailure(error, {
      operation: "states:DescribeExecution",
      region: request.machine.region,
      resource: executionArn,
    });
  }
}

async function sameName(
  existing: DescribeExecutionCommandOutput,
  executionArn: string,
  request: StartRequest,
  deps: StartDeps,
): Promise<StartResult> {
  const differing = differingKeys(existing.input, request.input);
  if (differing.length > 0) {
    throw new InputError(
      `An execution named ${request.name} already exists (${existing.status}) with a different input (${differing.join(", ")}); nothing was started. Pass --execution-name NEW to start a new one, or restore the input.`,
      {
        details: describeDifferences(existing.input, request.input, differing, request, deps.secrets),
      },
    );
  }
  const startedAt = existing.startDate?.getTime() ?? deps.now();
  const status = existing.status ?? "UNKNOWN";
  if (status === "RUNNING" || status === "PENDING_REDRIVE") {
    return { kind: "attached", executionArn, startedAt, status };
  }
  if (!TERMINAL.has(status)) {
    throw new EnvironmentError(
      `Execution ${executionArn} has status ${status}, which batchinf does not know.`,
    );
  }
  const terminal = status as TerminalStatus;
  if (terminal === "SUCCEEDED")
    return { kind: "found-ended", executionArn, status: terminal, execution: existing };
  if (!request.redrive) {
    return {
      kind: "found-ended",
      executionArn,
      status: terminal,
      execution: existing,
      hint: "pass --redrive to resume it from the failed state, or --execution-name NEW to start afresh",
    };
  }
  try {
    await redriveExecution(deps.client, executionArn, redriveToken(request.name, existing), deps.signal);
  } catch (error: unknown) {
    if (awsErrorName(error) === "ExecutionNotRedrivable") {
      return {
        kind: "found-ended",
        executionArn,
        status: terminal,
        execution: existing,
        hint: `it cannot be redriven (${(error as Error).message}); pass --execution-name NEW to start afresh`,
      };
    }
    throw awsFailure(error, {
      operation: "states:RedriveExecution",
      region: request.machine.region,
      resource: executionArn,
    });
  }
  return { kind: "redriven", executionArn, startedAt };
}

/**
 * One token per redrive: the same Jenkins build retried sends the same token
 * (Step Functions answers it idempotently for 15 minutes), while a second
 * --redrive after the execution failed again carries the next redriveCount,
 * so it redrives instead of being taken for a duplicate.
 */
export function redriveToken(name: string, execution: DescribeExecutionCommandOutput): string {
  const next = (execution.redriveCount ?? 0) + 1;
  const suffix = `-redrive-${next}`;
  return `${name.slice(0, 64 - suffix.length)}${suffix}`;
}

/** Keys whose values differ between two JSON inputs; unparseable input counts as entirely different. */
export function differingKeys(previous: string | undefined, next: string): string[] {
  const a = parseObject(previous);
  const b = parseObject(next);
  if (!a || !b) return ["(whole input)"];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key])).sort();
}

/**
 * Both sides of each differing key. This run's side: secret keys as MASK
 * (any length), other values masked as values. The existing execution's
 * side is shown only for keys whose value in this run does not come from
 * SSM: the value it read then may have been a SecureString that this run
 * cannot know as one (rotated, or turned into a String since); those are
 * MASK with their length, which is what tells a rotated value apart.
 */
function describeDifferences(
  previous: string | undefined,
  next: string,
  keys: string[],
  request: Pick<StartRequest, "secretKeys" | "ssmKeys">,
  secrets: Secrets,
): string[] {
  const a = parseObject(previous) ?? {};
  const b = parseObject(next) ?? {};
  const shown = (key: string, value: unknown) =>
    value === undefined ? "(absent)" : JSON.stringify(secrets.maskEntry(key, value));
  const existing = (key: string, value: unknown) =>
    value !== undefined && (request.ssmKeys.has(key) || request.secretKeys.has(key) || !(key in b))
      ? `${MASK} (${lengthOf(value)} characters)`
      : shown(key, value);
  const current = (key: string, value: unknown) => (request.secretKeys.has(key) ? MASK : shown(key, value));
  return keys.map(
    (key) =>
      `${key}: the existing execution has ${existing(key, a[key])}, this run has ${current(key, b[key])}`,
  );
}

/** A value's length as the input held it: a string's characters, else its JSON's. */
function lengthOf(value: unknown): number {
  return typeof value === "string" ? value.length : (JSON.stringify(value) ?? "").length;
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  return text === undefined ? undefined : parseJsonObject(text);
}

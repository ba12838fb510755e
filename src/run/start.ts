import type { DescribeExecutionCommandOutput, SFNClient } from "@aws-sdk/client-sfn";
import { awsFailure } from "../aws/errors.js";
import { describeExecution, executionArnFor, redriveExecution, startExecution } from "../aws/sfn.js";
import { EnvironmentError, InputError } from "../errors.js";
import type { Logger } from "../io/log.js";
import { parseJsonObject } from "../json/parse-object.js";

export type StartOutcome =
  | { kind: "started"; executionArn: string; startedAt: number }
  | { kind: "attached"; executionArn: string; startedAt: number }
  | { kind: "redriven"; executionArn: string; startedAt: number }
  | { kind: "already-succeeded"; executionArn: string; execution: DescribeExecutionCommandOutput }
  /** FAILED, TIMED_OUT or ABORTED with this input, and not redriven: `hint` says what to do. */
  | { kind: "already-ended"; executionArn: string; execution: DescribeExecutionCommandOutput; hint: string };

export interface StartRequest {
  stateMachineArn: string;
  name: string;
  /** The exact JSON sent. */
  input: string;
  redrive: boolean;
  /** Keys whose values must not appear in messages. */
  secretKeys: ReadonlySet<string>;
}

/**
 * Start once, whatever happens around it. A retried Jenkins build reuses its
 * execution name, so look first: an execution of that name is attached to,
 * reported, redriven or refused by the rules of the contract. A race with
 * another start is still safe: Step Functions (STANDARD) returns the running
 * execution for the same name and input, and refuses anything else.
 */
export async function startIdempotently(
  client: SFNClient,
  request: StartRequest,
  deps: { log: Logger; now: () => number; region: string },
): Promise<StartOutcome> {
  const executionArn = executionArnFor(request.stateMachineArn, request.name);
  const existing = await describeIfExists(client, executionArn, deps.region);
  if (existing) return sameName(existing, executionArn, client, request, deps);
  const calledAt = deps.now();
  try {
    const started = await startExecution(client, {
      stateMachineArn: request.stateMachineArn,
      name: request.name,
      input: request.input,
    });
    return {
      kind: "started",
      executionArn: started.executionArn ?? executionArn,
      startedAt: started.startDate?.getTime() ?? calledAt,
    };
  } catch (error: unknown) {
    const name = (error as { name?: string }).name;
    if (name === "ExecutionAlreadyExists") {
      const raced = await describeIfExists(client, executionArn, deps.region);
      if (raced) return sameName(raced, executionArn, client, request, deps);
    }
    if (name === "InvalidName" || name === "InvalidExecutionInput" || name === "ValidationException") {
      throw new InputError(
        `Step Functions refused the execution (${name}: ${(error as Error).message}); nothing was started.`,
        { cause: error },
      );
    }
    if (name === "StateMachineDoesNotExist" || name === "StateMachineDeleting") {
      throw new EnvironmentError(
        `State machine ${request.stateMachineArn} does not exist in ${deps.region} (${name}); check --state-machine-arn or SSM state_machine_arn.`,
        { cause: error },
      );
    }
    throw awsFailure(error, {
      operation: "states:StartExecution",
      region: deps.region,
      resource: request.stateMachineArn,
    });
  }
}

async function describeIfExists(
  client: SFNClient,
  executionArn: string,
  region: string,
): Promise<DescribeExecutionCommandOutput | undefined> {
  try {
    return await describeExecution(client, executionArn);
  } catch (error: unknown) {
    if ((error as { name?: string }).name === "ExecutionDoesNotExist") return undefined;
    throw awsFailure(error, { operation: "states:DescribeExecution", region, resource: executionArn });
  }
}

async function sameName(
  existing: DescribeExecutionCommandOutput,
  executionArn: string,
  client: SFNClient,
  request: StartRequest,
  deps: { log: Logger; now: () => number; region: string },
): Promise<StartOutcome> {
  const differing = differingKeys(existing.input, request.input);
  if (differing.length > 0) {
    throw new InputError(
      `An execution named ${request.name} already exists (${existing.status}) with a different input (${differing.join(", ")}); nothing was started. Pass --execution-name NEW to start a new one, or restore the input.`,
      { details: describeDifferences(existing.input, request.input, differing, request.secretKeys) },
    );
  }
  const startedAt = existing.startDate?.getTime() ?? deps.now();
  switch (existing.status) {
    case "RUNNING":
    case "PENDING_REDRIVE":
      deps.log.info(
        `Execution ${request.name} is already ${existing.status} with this input; attaching to it.`,
      );
      return { kind: "attached", executionArn, startedAt };
    case "SUCCEEDED":
      return { kind: "already-succeeded", executionArn, execution: existing };
    default: {
      if (!request.redrive) {
        const hint =
          "pass --redrive to resume it from the failed state, or --execution-name NEW to start afresh";
        return { kind: "already-ended", executionArn, execution: existing, hint };
      }
      try {
        await redriveExecution(client, executionArn, `batchinf-${request.name}`.slice(0, 64));
      } catch (error: unknown) {
        if ((error as { name?: string }).name === "ExecutionNotRedrivable") {
          const hint = `it cannot be redriven (${(error as Error).message}); pass --execution-name NEW to start afresh`;
          return { kind: "already-ended", executionArn, execution: existing, hint };
        }
        throw awsFailure(error, {
          operation: "states:RedriveExecution",
          region: deps.region,
          resource: executionArn,
        });
      }
      deps.log.info(`Redriving execution ${request.name} from its ${existing.status} state (--redrive).`);
      return { kind: "redriven", executionArn, startedAt };
    }
  }
}

/** Keys whose values differ between two JSON inputs; unparseable input counts as entirely different. */
export function differingKeys(previous: string | undefined, next: string): string[] {
  const a = parseObject(previous);
  const b = parseObject(next);
  if (!a || !b) return ["(whole input)"];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key])).sort();
}

function describeDifferences(
  previous: string | undefined,
  next: string,
  keys: string[],
  secrets: ReadonlySet<string>,
): string[] {
  const a = parseObject(previous) ?? {};
  const b = parseObject(next) ?? {};
  const show = (key: string, value: unknown) =>
    secrets.has(key) ? "****" : value === undefined ? "(absent)" : JSON.stringify(value);
  return keys.map(
    (key) => `${key}: the existing execution has ${show(key, a[key])}, this run has ${show(key, b[key])}`,
  );
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  return text === undefined ? undefined : parseJsonObject(text);
}

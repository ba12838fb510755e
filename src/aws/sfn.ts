import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineAliasCommand,
  type DescribeStateMachineAliasCommandOutput,
  DescribeStateMachineCommand,
  type DescribeStateMachineCommandOutput,
  GetExecutionHistoryCommand,
  type GetExecutionHistoryCommandOutput,
  ListExecutionsCommand,
  type ListExecutionsCommandOutput,
  RedriveExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
  type StartExecutionCommandOutput,
  StopExecutionCommand,
  type StopExecutionCommandOutput,
} from "@aws-sdk/client-sfn";

import { send } from "./send.js";

/**
 * Thin calls: one Step Functions operation each, the client passed in. They
 * return the SDK's output and throw the SDK's errors; callers decide what an
 * error means (ExecutionAlreadyExists is a case to handle, not a failure).
 * Each takes the signal that cuts it short (interrupt, --timeout deadline,
 * abort budget): required, so no phase can forget it.
 */
export function describeStateMachine(
  client: SFNClient,
  stateMachineArn: string,
  signal: AbortSignal,
): Promise<DescribeStateMachineCommandOutput> {
  return send(client, new DescribeStateMachineCommand({ stateMachineArn }), signal);
}

export function describeStateMachineAlias(
  client: SFNClient,
  stateMachineAliasArn: string,
  signal: AbortSignal,
): Promise<DescribeStateMachineAliasCommandOutput> {
  return send(client, new DescribeStateMachineAliasCommand({ stateMachineAliasArn }), signal);
}

export function startExecution(
  client: SFNClient,
  request: { stateMachineArn: string; name: string; input: string },
  signal: AbortSignal,
): Promise<StartExecutionCommandOutput> {
  return send(client, new StartExecutionCommand(request), signal);
}

export function describeExecution(
  client: SFNClient,
  executionArn: string,
  signal: AbortSignal,
): Promise<DescribeExecutionCommandOutput> {
  return send(client, new DescribeExecutionCommand({ executionArn }), signal);
}

export function getHistoryPage(
  client: SFNClient,
  request: {
    executionArn: string;
    maxResults: number;
    reverseOrder: boolean;
    nextToken?: string;
    /** Default true; false leaves inputs and outputs out (a past run's timing needs none). */
    includeExecutionData?: boolean;
  },
  signal: AbortSignal,
): Promise<GetExecutionHistoryCommandOutput> {
  return send(client, new GetExecutionHistoryCommand({ includeExecutionData: true, ...request }), signal);
}

/** The newest SUCCEEDED executions of a state machine that were never redriven, one page. */
export function listSucceededExecutions(
  client: SFNClient,
  request: { stateMachineArn: string; maxResults: number },
  signal: AbortSignal,
): Promise<ListExecutionsCommandOutput> {
  return send(
    client,
    new ListExecutionsCommand({ ...request, statusFilter: "SUCCEEDED", redriveFilter: "NOT_REDRIVEN" }),
    signal,
  );
}

export function stopExecution(
  client: SFNClient,
  request: { executionArn: string; error: string; cause: string },
  signal: AbortSignal,
): Promise<StopExecutionCommandOutput> {
  return send(client, new StopExecutionCommand(request), signal);
}

export async function redriveExecution(
  client: SFNClient,
  executionArn: string,
  clientToken: string,
  signal: AbortSignal,
): Promise<void> {
  await send(client, new RedriveExecutionCommand({ executionArn, clientToken }), signal);
}

export function consoleUrl(
  region: string,
  executionArn: string,
  domain: string | undefined,
): string | undefined {
  if (!domain) return undefined;
  return `https://${region}.${domain}/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

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

/** Every call can be cut short: an interrupt must not wait for an in-flight call and its retries. */
export interface CallOptions {
  abortSignal?: AbortSignal;
}

/**
 * Thin calls: one Step Functions operation each, the client passed in. They
 * return the SDK's output and throw the SDK's errors; callers decide what an
 * error means (ExecutionAlreadyExists is a case to handle, not a failure).
 */
export function describeStateMachine(
  client: SFNClient,
  stateMachineArn: string,
  options: CallOptions = {},
): Promise<DescribeStateMachineCommandOutput> {
  return client.send(new DescribeStateMachineCommand({ stateMachineArn }), options);
}

export function describeStateMachineAlias(
  client: SFNClient,
  stateMachineAliasArn: string,
  options: CallOptions = {},
): Promise<DescribeStateMachineAliasCommandOutput> {
  return client.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn }), options);
}

export function startExecution(
  client: SFNClient,
  request: { stateMachineArn: string; name: string; input: string },
  options: CallOptions = {},
): Promise<StartExecutionCommandOutput> {
  return client.send(new StartExecutionCommand(request), options);
}

export function describeExecution(
  client: SFNClient,
  executionArn: string,
  options: CallOptions = {},
): Promise<DescribeExecutionCommandOutput> {
  return client.send(new DescribeExecutionCommand({ executionArn }), options);
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
  options: CallOptions = {},
): Promise<GetExecutionHistoryCommandOutput> {
  return client.send(new GetExecutionHistoryCommand({ includeExecutionData: true, ...request }), options);
}

/** The newest SUCCEEDED executions of a state machine that were never redriven, one page. */
export function listSucceededExecutions(
  client: SFNClient,
  request: { stateMachineArn: string; maxResults: number },
  options: CallOptions = {},
): Promise<ListExecutionsCommandOutput> {
  return client.send(
    new ListExecutionsCommand({ ...request, statusFilter: "SUCCEEDED", redriveFilter: "NOT_REDRIVEN" }),
    options,
  );
}

export function stopExecution(
  client: SFNClient,
  request: { executionArn: string; error: string; cause: string },
  options: CallOptions = {},
): Promise<StopExecutionCommandOutput> {
  return client.send(new StopExecutionCommand(request), options);
}

export async function redriveExecution(
  client: SFNClient,
  executionArn: string,
  clientToken: string,
  options: CallOptions = {},
): Promise<void> {
  await client.send(new RedriveExecutionCommand({ executionArn, clientToken }), options);
}

export function consoleUrl(
  region: string,
  executionArn: string,
  domain: string | undefined,
): string | undefined {
  if (!domain) return undefined;
  return `https://${region}.${domain}/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

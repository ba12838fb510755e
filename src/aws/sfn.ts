import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  type DescribeStateMachineCommandOutput,
  GetExecutionHistoryCommand,
  type GetExecutionHistoryCommandOutput,
  RedriveExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
  type StartExecutionCommandOutput,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";

/**
 * Thin calls: one Step Functions operation each, the client passed in. They
 * return the SDK's output and throw the SDK's errors; callers decide what an
 * error means (ExecutionAlreadyExists is a case to handle, not a failure).
 */
export function describeStateMachine(
  client: SFNClient,
  stateMachineArn: string,
): Promise<DescribeStateMachineCommandOutput> {
  return client.send(new DescribeStateMachineCommand({ stateMachineArn }));
}

export function startExecution(
  client: SFNClient,
  request: { stateMachineArn: string; name: string; input: string },
): Promise<StartExecutionCommandOutput> {
  return client.send(new StartExecutionCommand(request));
}

export function describeExecution(
  client: SFNClient,
  executionArn: string,
): Promise<DescribeExecutionCommandOutput> {
  return client.send(new DescribeExecutionCommand({ executionArn }));
}

export function getHistoryPage(
  client: SFNClient,
  request: { executionArn: string; maxResults: number; reverseOrder: boolean; nextToken?: string },
): Promise<GetExecutionHistoryCommandOutput> {
  return client.send(new GetExecutionHistoryCommand({ ...request, includeExecutionData: true }));
}

export async function stopExecution(
  client: SFNClient,
  executionArn: string,
  error: string,
  cause: string,
): Promise<void> {
  await client.send(new StopExecutionCommand({ executionArn, error, cause }));
}

export async function redriveExecution(
  client: SFNClient,
  executionArn: string,
  clientToken: string,
): Promise<void> {
  await client.send(new RedriveExecutionCommand({ executionArn, clientToken }));
}

/** arn:...:stateMachine:NAME + execution NAME -> arn:...:execution:SM:NAME */
export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
}

export function consoleUrl(
  region: string,
  executionArn: string,
  domain: string | undefined,
): string | undefined {
  if (!domain) return undefined;
  return `https://${region}.${domain}/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

import { ListExecutionsCommand, type SFNClient } from "@aws-sdk/client-sfn";
import { awsFailure, classifyAwsError } from "../aws/errors.js";

export type RunningNames =
  | { kind: "listed"; names: Set<string> }
  /** states:ListExecutions denied: the backfill goes on, attaching by name as each date comes. */
  | { kind: "denied"; message: string };

/**
 * The names of this state machine's RUNNING executions, once, before a
 * backfill starts anything: a rerun of the same build finds its own dates'
 * executions among them and attaches to those first, so that they count
 * against --concurrency from the start. Every page is read (1000 a page).
 */
export async function runningExecutionNames(
  client: SFNClient,
  stateMachineArn: string,
  signal?: AbortSignal,
): Promise<RunningNames> {
  const names = new Set<string>();
  let nextToken: string | undefined;
  try {
    do {
      const page = await client.send(
        new ListExecutionsCommand({
          stateMachineArn,
          statusFilter: "RUNNING",
          maxResults: 1000,
          ...(nextToken ? { nextToken } : {}),
        }),
        signal ? { abortSignal: signal } : {},
      );
      for (const execution of page.executions ?? []) if (execution.name) names.add(execution.name);
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error: unknown) {
    const failure = awsFailure(error, {
      operation: "states:ListExecutions",
      region: stateMachineArn.split(":")[3] ?? "",
      resource: stateMachineArn,
    });
    if (classifyAwsError(error) === "access") return { kind: "denied", message: failure.message };
    throw failure;
  }
  return { kind: "listed", names };
}

// AWS Glue, as far as stuck detection reads it: GetJobRun for one run a call
// (the API takes no list). Loaded with the Glue client, only when a running
// Glue job run is looked at.

import { GetJobRunCommand, type GlueClient } from "@aws-sdk/client-glue";
import { send } from "./send.js";

export interface GlueRunStatus {
  runId: string;
  /** JobRunState: STARTING, WAITING, RUNNING, SUCCEEDED... */
  state: string;
  /** Why a run is in its state (a WAITING run's queuing reason), else its error message. */
  reason?: string;
}

/** One run's state; undefined when Glue does not know the run (EntityNotFoundException is not an error here). */
export async function getJobRunStatus(
  client: GlueClient,
  jobName: string,
  runId: string,
  signal: AbortSignal,
): Promise<GlueRunStatus | undefined> {
  try {
    const { JobRun: run } = await send(
      client,
      new GetJobRunCommand({ JobName: jobName, RunId: runId, PredecessorsIncluded: false }),
      signal,
    );
    if (!run) return undefined;
    const reason = run.StateDetail ?? run.ErrorMessage;
    return { runId, state: run.JobRunState ?? "UNKNOWN", ...(reason ? { reason } : {}) };
  } catch (error: unknown) {
    if ((error as Error).name === "EntityNotFoundException") return undefined;
    throw error;
  }
}

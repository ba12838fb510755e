import { rename, writeFile } from "node:fs/promises";
import type { StateRun } from "./tracker.js";

/** What --result-file and --output json hold, in every ending. */
export interface RunResult {
  executionArn?: string;
  name?: string;
  stateMachineArn?: string;
  /** Step Functions' status, or batchinf's view when it stopped watching first. */
  status: string;
  /** How batchinf ended: the exit code and a word for it. */
  outcome: {
    exitCode: number;
    reason: "succeeded" | "failed" | "timeout" | "interrupted" | "not-started" | "detached" | "started";
  };
  startDate?: string;
  stopDate?: string;
  durationMs?: number;
  consoleUrl?: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  failedState?: string;
  states: Array<{ name: string; status: StateRun["status"]; durationMs?: number; attempts: number }>;
  /** Operations batchinf called, by name, for cost and throttling questions. */
  apiCalls?: Record<string, number>;
  /** How the history was read: events seen, events fetched (overlap included), calls. */
  history?: { events: number; fetched: number; calls: number };
}

export function statesSummary(runs: readonly StateRun[]): RunResult["states"] {
  return runs.map((run) => ({
    name: run.name,
    status: run.status,
    ...(run.exitedAt !== undefined ? { durationMs: run.exitedAt - run.enteredAt } : {}),
    attempts: run.attempts,
  }));
}

/** Write atomically: Jenkins' archiveArtifacts must never pick up half a file. */
export async function writeResultFile(file: string, result: RunResult): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(result, null, 2)}\n`);
  await rename(temporary, file);
}

export function parseJsonOrText(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

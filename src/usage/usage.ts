import { batchJobUsage, looksLikeBatchJob } from "./batch-usage.js";
import { isRecord } from "./fields.js";
import { glueRunUsage, looksLikeGlueRun } from "./glue-usage.js";

/** What one task attempt used, read from the job document its `.sync` integration put in the history. */
export interface AttemptUsage {
  glueDpuHours?: number;
  /** DPUSeconds, workers (ExecutionTime x worker type x count) or MaxCapacity. */
  glueBasis?: "DPUSeconds" | "workers" | "MaxCapacity";
  batchVcpuHours?: number;
  batchGibHours?: number;
}

/** What an execution used: the sum over its task attempts, and its state transitions. */
export interface Usage {
  /** Step Functions' billing unit: each state entered, and each retry. */
  stateTransitions: number;
  glueDpuHours: number;
  /** Glue runs counted (a run whose document says nothing of its capacity is not). */
  glueRuns: number;
  batchVcpuHours: number;
  batchGibHours: number;
  batchJobs: number;
  /** With --prices: the estimate, by unit, and its total. */
  cost?: Cost;
}

export interface Cost {
  currency: string;
  total: number;
  /** Unit -> amount, for the units that were used and priced. */
  parts: Record<string, number>;
}

/** A job document (TaskSucceeded's output, a failure's cause) as an object; anything else is undefined. */
export function jobDocument(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The Glue kind's usage: a `JobRun` (StartJobRun's bare answer, `{JobRunId}`, gives nothing). */
export function glueUsageOf(document: Record<string, unknown>): AttemptUsage | undefined {
  if (!looksLikeGlueRun(document)) return undefined;
  const glue = glueRunUsage(document);
  return glue ? { glueDpuHours: glue.dpuHours, glueBasis: glue.basis } : undefined;
}

/** The Batch kind's usage: a `JobDetail` (SubmitJob's answer gives nothing). */
export function batchUsageOf(document: Record<string, unknown>): AttemptUsage | undefined {
  if (!looksLikeBatchJob(document)) return undefined;
  const batch = batchJobUsage(document);
  return batch ? { batchVcpuHours: batch.vcpuHours, batchGibHours: batch.gibHours } : undefined;
}

export function emptyUsage(stateTransitions = 0): Usage {
  return {
    stateTransitions,
    glueDpuHours: 0,
    glueRuns: 0,
    batchVcpuHours: 0,
    batchGibHours: 0,
    batchJobs: 0,
  };
}

/** An execution's usage from its attempts' usage. */
export function sumAttempts(attempts: Iterable<AttemptUsage | undefined>, stateTransitions: number): Usage {
  const usage = emptyUsage(stateTransitions);
  for (const attempt of attempts) {
    if (!attempt) continue;
    if (attempt.glueDpuHours !== undefined) {
      usage.glueDpuHours += attempt.glueDpuHours;
      usage.glueRuns += 1;
    }
    if (attempt.batchVcpuHours !== undefined || attempt.batchGibHours !== undefined) {
      usage.batchVcpuHours += attempt.batchVcpuHours ?? 0;
      usage.batchGibHours += attempt.batchGibHours ?? 0;
      usage.batchJobs += 1;
    }
  }
  return usage;
}

/** backfill: the executions' usage added up (costs too, when every one was priced in one currency). */
export function totalUsage(usages: Iterable<Usage | undefined>): Usage | undefined {
  let total: Usage | undefined;
  const costs: Array<Cost | undefined> = [];
  for (const usage of usages) {
    if (!usage) continue;
    total ??= emptyUsage();
    total.stateTransitions += usage.stateTransitions;
    total.glueDpuHours += usage.glueDpuHours;
    total.glueRuns += usage.glueRuns;
    total.batchVcpuHours += usage.batchVcpuHours;
    total.batchGibHours += usage.batchGibHours;
    total.batchJobs += usage.batchJobs;
    costs.push(usage.cost);
  }
  const currency = costs[0]?.currency;
  if (total && currency && costs.every((cost) => cost?.currency === currency)) {
    const parts: Record<string, number> = {};
    for (const cost of costs as Cost[]) {
      for (const [unit, value] of Object.entries(cost.parts)) parts[unit] = (parts[unit] ?? 0) + value;
    }
    total.cost = { currency, total: costs.reduce((sum, cost) => sum + (cost?.total ?? 0), 0), parts };
  }
  return total;
}

/** One line for the log: "Glue 0.42 DPU-hours (5 runs), Batch 1.33 vCPU-hours and 5.33 GiB-hours (1 job), 14 state transitions". */
export function usageText(usage: Usage): string {
  const parts: string[] = [];
  if (usage.glueRuns > 0)
    parts.push(`Glue ${hours(usage.glueDpuHours)} DPU-hours (${plural(usage.glueRuns, "run")})`);
  if (usage.batchJobs > 0) {
    parts.push(
      `Batch ${hours(usage.batchVcpuHours)} vCPU-hours and ${hours(usage.batchGibHours)} GiB-hours (${plural(usage.batchJobs, "job")})`,
    );
  }
  parts.push(plural(usage.stateTransitions, "state transition"));
  const cost = usage.cost ? `; estimated cost ${money(usage.cost)} (--prices)` : "";
  return `${parts.join(", ")}${cost}`;
}

export function money(cost: Cost): string {
  return `${cost.currency} ${cost.total.toFixed(cost.total < 1 ? 4 : 2)}`;
}

/** Usage figures rounded for files: 4 decimals (a tenth of a DPU-second is noise). */
export function roundedUsage(usage: Usage): Usage {
  const round = (n: number) => Math.round(n * 10_000) / 10_000;
  return {
    ...usage,
    glueDpuHours: round(usage.glueDpuHours),
    batchVcpuHours: round(usage.batchVcpuHours),
    batchGibHours: round(usage.batchGibHours),
    ...(usage.cost
      ? {
          cost: {
            currency: usage.cost.currency,
            total: Math.round(usage.cost.total * 1e6) / 1e6,
            parts: Object.fromEntries(
              Object.entries(usage.cost.parts).map(([unit, value]) => [unit, Math.round(value * 1e6) / 1e6]),
            ),
          },
        }
      : {}),
  };
}

function hours(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toFixed(3);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

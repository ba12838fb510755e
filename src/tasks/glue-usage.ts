import type { UsageMeter } from "../usage/usage.js";
import { amount, field } from "./document-fields.js";
import type { KindUsage } from "./kind.js";

/**
 * DPUs per worker, by `WorkerType` (Glue's worker types page): G.025X a
 * quarter DPU, G.1X one, G.2X two... R types count memory-optimised DPUs,
 * Z.2X two M-DPUs; Standard is one DPU's worth (4 vCPU, 16 GB).
 */
const DPU_PER_WORKER: Record<string, number> = {
  Standard: 1,
  "G.025X": 0.25,
  "G.1X": 1,
  "G.2X": 2,
  "G.4X": 4,
  "G.8X": 8,
  "G.12X": 12,
  "G.16X": 16,
  "R.1X": 1,
  "R.2X": 2,
  "R.4X": 4,
  "R.8X": 8,
  "Z.2X": 2,
};

export interface GlueUsage {
  dpuHours: number;
  /** Where the figure came from, in the order they are tried. */
  basis: "DPUSeconds" | "workers" | "MaxCapacity";
}

/**
 * What one Glue job run used, from its `JobRun` (GetJobRun, as the
 * `glue:startJobRun.sync` integration records it): `DPUSeconds` when Glue
 * reports it (auto-scaling and Flex runs), else `ExecutionTime` (seconds) x
 * the capacity its `WorkerType` and `NumberOfWorkers` give, else
 * `ExecutionTime` x `MaxCapacity`. Undefined when the run says neither.
 */
export function glueRunUsage(run: Record<string, unknown>): GlueUsage | undefined {
  const dpuSeconds = amount(field(run, "DPUSeconds"));
  if (dpuSeconds !== undefined) return { dpuHours: dpuSeconds / 3600, basis: "DPUSeconds" };
  const seconds = amount(field(run, "ExecutionTime"));
  if (seconds === undefined) return undefined;
  const workerType = field(run, "WorkerType");
  const workers = amount(field(run, "NumberOfWorkers"));
  const perWorker = typeof workerType === "string" ? DPU_PER_WORKER[workerType] : undefined;
  if (perWorker !== undefined && workers !== undefined) {
    return { dpuHours: (seconds * perWorker * workers) / 3600, basis: "workers" };
  }
  const capacity = amount(field(run, "MaxCapacity")) ?? amount(field(run, "AllocatedCapacity"));
  if (capacity === undefined) return undefined;
  return { dpuHours: (seconds * capacity) / 3600, basis: "MaxCapacity" };
}

/** A JobRun, as opposed to another JSON object (StartJobRun's answer has only `JobRunId`). */
export function looksLikeGlueRun(document: Record<string, unknown>): boolean {
  return field(document, "JobRunState") !== undefined || field(document, "ExecutionTime") !== undefined;
}

/** Glue's unit: the DPU-hour (--prices `glueDpuHour`, the result's `glueDpuHours`, counted in `glueRuns`). */
const DPU_HOUR = "glueDpuHour";
const GLUE_METER: UsageMeter = {
  name: "Glue",
  noun: "run",
  count: "glueRuns",
  units: [{ price: DPU_HOUR, total: "glueDpuHours", label: "DPU-hours" }],
};

/** The Glue kind's usage: a `JobRun` (StartJobRun's bare answer, `{JobRunId}`, gives nothing). */
export const glueUsage: KindUsage = {
  meter: GLUE_METER,
  read(document) {
    if (!looksLikeGlueRun(document)) return undefined;
    const glue = glueRunUsage(document);
    return glue
      ? { meter: GLUE_METER, quantities: { [DPU_HOUR]: glue.dpuHours }, basis: glue.basis }
      : undefined;
  },
};

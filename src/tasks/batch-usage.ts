import type { UsageMeter } from "../usage/usage.js";
import { amount, epochMs, field, listField, recordField } from "./document-fields.js";
import type { KindUsage } from "./kind.js";

export interface BatchUsage {
  vcpuHours: number;
  gibHours: number;
  /** Batch attempts counted (a job retried by its own retry strategy has several). */
  attempts: number;
}

/**
 * What one AWS Batch job used, from its DescribeJobs `JobDetail` (as the
 * `batch:submitJob.sync` integration records it): the vCPUs and memory it
 * asked for (`container.resourceRequirements` VCPU and MEMORY in MiB, else the
 * older `container.vcpus` / `container.memory`; a multi-container job's
 * `ecsProperties.taskProperties[].containers[]` summed) times the run time of
 * each attempt (`attempts[].startedAt` to `stoppedAt`, epoch ms), or of the
 * job when it names no attempts. Multi-node and EKS jobs are not counted.
 */
export function batchJobUsage(job: Record<string, unknown>): BatchUsage | undefined {
  const size = requested(job);
  if (!size) return undefined;
  const spans = listField(job, "Attempts").map((attempt) => span(attempt));
  if (spans.length === 0) spans.push(span(job));
  const ran = spans.filter((ms): ms is number => ms !== undefined);
  if (ran.length === 0) return undefined;
  const hours = ran.reduce((sum, ms) => sum + ms, 0) / 3_600_000;
  return { vcpuHours: hours * size.vcpus, gibHours: (hours * size.mib) / 1024, attempts: ran.length };
}

/** A Batch JobDetail, as opposed to another JSON object (SubmitJob's answer has no status or attempts). */
export function looksLikeBatchJob(document: Record<string, unknown>): boolean {
  return (
    field(document, "JobId") !== undefined &&
    (field(document, "Status") !== undefined || field(document, "Attempts") !== undefined)
  );
}

function span(record: Record<string, unknown>): number | undefined {
  const start = epochMs(field(record, "StartedAt"));
  const stop = epochMs(field(record, "StoppedAt"));
  return start !== undefined && stop !== undefined && stop >= start ? stop - start : undefined;
}

function requested(job: Record<string, unknown>): { vcpus: number; mib: number } | undefined {
  const containers = [
    recordField(job, "Container"),
    ...listField(recordField(job, "EcsProperties"), "TaskProperties").flatMap((task) =>
      listField(task, "Containers"),
    ),
  ];
  let vcpus = 0;
  let mib = 0;
  for (const container of containers) {
    const needs = new Map(
      listField(container, "ResourceRequirements").map((r) => [
        String(field(r, "Type") ?? "").toUpperCase(),
        amount(field(r, "Value")),
      ]),
    );
    vcpus += needs.get("VCPU") ?? amount(field(container, "Vcpus")) ?? 0;
    mib += needs.get("MEMORY") ?? amount(field(container, "Memory")) ?? 0;
  }
  return vcpus > 0 || mib > 0 ? { vcpus, mib } : undefined;
}

/** Batch's units: the vCPU-hour and GiB-hour a job reserved (--prices `batchVcpuHour`, `batchGibHour`), counted in `batchJobs`. */
const VCPU_HOUR = "batchVcpuHour";
const GIB_HOUR = "batchGibHour";
const BATCH_METER: UsageMeter = {
  name: "Batch",
  noun: "job",
  count: "batchJobs",
  units: [
    { price: VCPU_HOUR, total: "batchVcpuHours", label: "vCPU-hours" },
    { price: GIB_HOUR, total: "batchGibHours", label: "GiB-hours" },
  ],
};

/** The Batch kind's usage: a `JobDetail` (SubmitJob's answer gives nothing). */
export const batchUsage: KindUsage = {
  meter: BATCH_METER,
  read(document) {
    if (!looksLikeBatchJob(document)) return undefined;
    const batch = batchJobUsage(document);
    return batch
      ? { meter: BATCH_METER, quantities: { [VCPU_HOUR]: batch.vcpuHours, [GIB_HOUR]: batch.gibHours } }
      : undefined;
  },
};

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { batchJobUsage, batchUsage } from "../src/tasks/batch-usage.js";
import { glueRunUsage, glueUsage } from "../src/tasks/glue-usage.js";
import { PRICED_UNITS, USAGE_METERS } from "../src/tasks/registry.js";
import { costOf, pricesOf } from "../src/usage/prices.js";
import {
  type AttemptUsage,
  jobDocument,
  roundedUsage,
  sumAttempts,
  totalUsage,
  usageText,
} from "../src/usage/usage.js";

/** Usage as the tracker reads it: the document parsed, then asked of the kind. */
function attemptUsageOf(kind: "glue" | "batch", text: string): AttemptUsage | undefined {
  const document = jobDocument(text);
  if (!document) return undefined;
  return kind === "glue" ? glueUsage.read(document) : batchUsage.read(document);
}

import { batchFailureCause, glueFailureCause } from "./fake-aws/sfn-scenarios.js";

// Usage from the job documents the `.sync` integrations put in the history.
// Field names as the API references document them: Glue JobRun (DPUSeconds,
// ExecutionTime, WorkerType, NumberOfWorkers, MaxCapacity), Batch JobDetail
// (container.resourceRequirements VCPU/MEMORY, vcpus/memory, attempts[].startedAt/stoppedAt).

describe("Glue JobRun", () => {
  it("DPUSeconds first, when Glue reports it (auto-scaling, Flex)", () => {
    expect(
      glueRunUsage({ DPUSeconds: 7200, ExecutionTime: 60, WorkerType: "G.1X", NumberOfWorkers: 10 }),
    ).toEqual({
      dpuHours: 2,
      basis: "DPUSeconds",
    });
  });
  it("else ExecutionTime x worker type x count (G.2X: 2 DPUs a worker; G.025X a quarter)", () => {
    expect(glueRunUsage({ ExecutionTime: 1800, WorkerType: "G.2X", NumberOfWorkers: 5 })).toEqual({
      dpuHours: 5,
      basis: "workers",
    });
    expect(glueRunUsage({ executionTime: 3600, workerType: "G.025X", numberOfWorkers: 2 })?.dpuHours).toBe(
      0.5,
    );
  });
  it("else ExecutionTime x MaxCapacity (a Python shell job's 0.0625 DPU)", () => {
    expect(glueRunUsage({ ExecutionTime: 3600, MaxCapacity: 0.0625 })).toEqual({
      dpuHours: 0.0625,
      basis: "MaxCapacity",
    });
    // An unknown worker type falls back to MaxCapacity, which Glue fills in for it.
    expect(
      glueRunUsage({ ExecutionTime: 360, WorkerType: "Q.9X", NumberOfWorkers: 3, MaxCapacity: 10 })?.basis,
    ).toBe("MaxCapacity");
  });
  it("nothing when the run says neither time nor capacity", () => {
    expect(glueRunUsage({ JobRunState: "SUCCEEDED" })).toBeUndefined();
    expect(glueRunUsage({ ExecutionTime: 60 })).toBeUndefined();
  });
  it("a failed run's cause counts what it used until it failed", () => {
    const cause = glueFailureCause({ jobName: "j", errorMessage: "boom", executionTimeSeconds: 360 });
    // The scenario's cause: 10 G.1X workers for 360 s.
    expect(attemptUsageOf("glue", cause)).toEqual({
      meter: glueUsage.meter,
      quantities: { glueDpuHour: 1 },
      basis: "workers",
    });
  });
});

describe("Batch JobDetail", () => {
  const hour = 3_600_000;
  it("resourceRequirements x each attempt's run time", () => {
    const usage = batchJobUsage({
      JobId: "j",
      Status: "SUCCEEDED",
      Container: {
        ResourceRequirements: [
          { Type: "VCPU", Value: "2" },
          { Type: "MEMORY", Value: "4096" },
        ],
      },
      Attempts: [
        { StartedAt: 0, StoppedAt: hour / 2 },
        { StartedAt: hour, StoppedAt: 2 * hour },
      ],
    });
    expect(usage).toEqual({ vcpuHours: 3, gibHours: 6, attempts: 2 });
  });
  it("the older vcpus/memory, camelCase as DescribeJobs answers, and Fargate's fractional vCPUs", () => {
    expect(
      batchJobUsage({
        jobId: "j",
        status: "SUCCEEDED",
        container: { vcpus: 4, memory: 8192 },
        attempts: [{ startedAt: 0, stoppedAt: hour }],
      }),
    ).toEqual({ vcpuHours: 4, gibHours: 8, attempts: 1 });
    expect(
      batchJobUsage({
        jobId: "j",
        status: "SUCCEEDED",
        container: {
          resourceRequirements: [
            { type: "VCPU", value: "0.25" },
            { type: "MEMORY", value: "512" },
          ],
        },
        startedAt: 0,
        stoppedAt: 4 * hour,
      }),
    ).toEqual({ vcpuHours: 1, gibHours: 2, attempts: 1 });
  });
  it("a multi-container job sums its containers", () => {
    const container = (vcpu: string, mib: string) => ({
      resourceRequirements: [
        { type: "VCPU", value: vcpu },
        { type: "MEMORY", value: mib },
      ],
    });
    expect(
      batchJobUsage({
        jobId: "j",
        status: "SUCCEEDED",
        container: {},
        ecsProperties: { taskProperties: [{ containers: [container("1", "1024"), container("3", "3072")] }] },
        attempts: [{ startedAt: 0, stoppedAt: hour }],
      }),
    ).toEqual({ vcpuHours: 4, gibHours: 4, attempts: 1 });
  });
  it("an attempt that never ran (no stoppedAt) counts nothing; SubmitJob's answer is no job document", () => {
    expect(
      batchJobUsage({
        JobId: "j",
        Status: "RUNNABLE",
        Container: { Vcpus: 4, Memory: 1024 },
        Attempts: [{ StartedAt: 5 }],
      }),
    ).toBeUndefined();
    expect(
      attemptUsageOf("batch", JSON.stringify({ JobId: "j", JobName: "n", JobArn: "a" })),
    ).toBeUndefined();
  });
  it("a failed job's cause (the scenario's: 4 vCPUs, 8 GiB, 7 minutes an attempt, 2 attempts)", () => {
    const usage = attemptUsageOf("batch", batchFailureCause({ attempts: 2 }));
    expect(usage?.quantities.batchVcpuHour).toBeCloseTo(4 * (14 / 60), 10);
    expect(usage?.quantities.batchGibHour).toBeCloseTo(8 * (14 / 60), 10);
  });
  it("for any sizes and spans, vCPU-hours and GiB-hours are the size times the summed run time", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 256 }),
        fc.integer({ min: 512, max: 1_000_000 }),
        fc.array(fc.tuple(fc.nat(1e9), fc.nat(1e8)), { minLength: 1, maxLength: 10 }),
        (vcpus, mib, spans) => {
          const usage = batchJobUsage({
            JobId: "j",
            Status: "SUCCEEDED",
            Container: { Vcpus: vcpus, Memory: mib },
            Attempts: spans.map(([start, ms]) => ({ StartedAt: start, StoppedAt: start + ms })),
          });
          const hours = spans.reduce((sum, [, ms]) => sum + ms, 0) / 3_600_000;
          expect(usage?.vcpuHours).toBeCloseTo(vcpus * hours, 6);
          expect(usage?.gibHours).toBeCloseTo((mib / 1024) * hours, 6);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("totals and prices", () => {
  const prices = pricesOf(
    {
      currency: "usd",
      glueDpuHour: 0.44,
      batchVcpuHour: 0.04,
      batchGibHour: 0.005,
      stateTransition: 0.0000285,
    },
    "--prices p.json",
    PRICED_UNITS,
  );
  it("sums attempts, prices each unit, and backfill adds executions up", () => {
    const usage = sumAttempts(
      [
        { meter: glueUsage.meter, quantities: { glueDpuHour: 1 }, basis: "workers" },
        undefined,
        { meter: batchUsage.meter, quantities: { batchVcpuHour: 2, batchGibHour: 8 } },
      ],
      1000,
      USAGE_METERS,
    );
    expect(roundedUsage(usage)).toEqual({
      stateTransitions: 1000,
      glueDpuHours: 1,
      glueRuns: 1,
      batchVcpuHours: 2,
      batchGibHours: 8,
      batchJobs: 1,
    });
    usage.cost = costOf(usage, prices);
    expect(usage.cost.currency).toBe("USD");
    expect(usage.cost.total).toBeCloseTo(0.44 + 0.08 + 0.04 + 0.0285, 10);
    expect(usageText(usage)).toBe(
      "Glue 1.00 DPU-hours (1 run), Batch 2.00 vCPU-hours and 8.00 GiB-hours (1 job), 1000 state transitions; estimated cost USD 0.5885 (--prices)",
    );
    const total = totalUsage([usage, undefined, usage]);
    expect(total && roundedUsage(total)).toMatchObject({
      glueDpuHours: 2,
      batchJobs: 2,
      stateTransitions: 2000,
    });
    expect(total?.cost?.total).toBeCloseTo(2 * 0.5885, 10);
  });
  it("a price file that is wrong is refused with the key it names", () => {
    expect(() => pricesOf({ glueDpuHours: 0.44 }, "--prices p.json", PRICED_UNITS)).toThrow(
      /unknown unit "glueDpuHours"/,
    );
    expect(() => pricesOf({ glueDpuHour: "0.44" }, "--prices p.json", PRICED_UNITS)).toThrow(
      /glueDpuHour must be a number/,
    );
    expect(() => pricesOf({ glueDpuHour: -1 }, "--prices p.json", PRICED_UNITS)).toThrow(
      /glueDpuHour must be a number/,
    );
    expect(() => pricesOf({ currency: "dollars", glueDpuHour: 1 }, "--prices p.json", PRICED_UNITS)).toThrow(
      /currency/,
    );
    expect(() => pricesOf({ currency: "EUR" }, "--prices p.json", PRICED_UNITS)).toThrow(/prices no unit/);
  });
});

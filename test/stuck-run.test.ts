import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PIPELINE_BATCH_STATE, pipelineStates } from "./fake-aws/sfn-scenarios.js";
import { runFast, useFastWorld } from "./helpers/fast-world.js";
import { seedWorkspace } from "./helpers/seed.js";

// --stuck-after against the local endpoint: a Batch job that stays RUNNABLE for
// a scripted time on a queue whose compute environments are INVALID or at 0
// vCPUs, read with the real Batch client (DescribeJobs, DescribeJobQueues,
// DescribeComputeEnvironments) on a virtual clock.
const world = useFastWorld();
const MIN = 60_000;
let machines = 0;

function machine(batchMinutes: number): string {
  machines += 1;
  return world.sfn.addStateMachine({
    name: `stuck-${machines}`,
    script: { states: pipelineStates({ glueMs: MIN, batchMs: batchMinutes * MIN }), outcome: "SUCCEEDED" },
  });
}

async function run(arn: string, args: string[] = []) {
  const cwd = seedWorkspace();
  world.fake.resetCalls();
  const outcome = await runFast(
    world,
    [
      "run",
      "--state-machine-arn",
      arn,
      "--history",
      "0",
      "--result-file",
      join(cwd, "result.json"),
      "--junit",
      join(cwd, "run.xml"),
      ...args,
    ],
    { cwd },
  );
  // Calls after the start: preflight's reads of the queue before it are not the watch's.
  const batchCalls = (operation: string) =>
    world.fake.calls
      .slice(world.fake.calls.findIndex((call) => call.operation === "StartExecution"))
      .filter((call) => call.service === "AWSBatch" && call.operation === operation);
  return { ...outcome, cwd, batchCalls, result: JSON.parse(readFileSync(join(cwd, "result.json"), "utf8")) };
}

const stuckLines = (stderr: string) =>
  stderr.split("\n").filter((line) => line.includes("has been RUNNABLE"));

describe("--stuck-after", () => {
  it("a healthy run: no warning, and one DescribeJobs for the one job still running after 15 minutes", async () => {
    const outcome = await run(machine(35));
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(stuckLines(outcome.stderr)).toEqual([]);
    expect(outcome.result.stuck).toBeUndefined();
    // The Glue runs end within a minute: never asked. The Batch job runs 35 minutes: asked once at 15, RUNNING.
    expect(outcome.batchCalls("DescribeJobs")).toHaveLength(1);
    expect(outcome.batchCalls("DescribeJobQueues")).toHaveLength(0);
  });

  it("a job RUNNABLE for 40 minutes on a queue without capacity: a warning at 15 and 30 minutes with the queue and compute environments, at most one call a minute", async () => {
    world.batch.addComputeEnvironment({
      name: "test-training-spot",
      status: "INVALID",
      statusReason: "CLIENT_ERROR - The specified instance role does not exist",
      desiredvCpus: 0,
      maxvCpus: 256,
    });
    world.batch.addComputeEnvironment({ name: "test-training-ondemand", desiredvCpus: 0, maxvCpus: 0 });
    world.batch.addJobQueue({
      name: "test-training",
      computeEnvironments: ["test-training-spot", "test-training-ondemand"],
    });
    world.batch.holdRunnable(
      PIPELINE_BATCH_STATE,
      40 * MIN,
      "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by any of the compute environments",
    );
    // Preflight finds no compute environment that can run the job and would refuse to start; warn starts it anyway.
    const outcome = await run(machine(60), ["--preflight", "warn"]);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stderr).toMatch(
      /preflight FAILED +Batch job queue .*test-training is ENABLED and VALID but no compute environment can run its jobs/,
    );
    const lines = stuckLines(outcome.stderr);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^warning: RunBatchInference: Batch job \*\*\*\* [0-9a-f-]{36} has been RUNNABLE for 15m\d\ds \(--stuck-after 15m00s\): MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - .* Queue test-training ENABLED VALID\. Compute environment test-training-spot ENABLED INVALID \(CLIENT_ERROR - The specified instance role does not exist\), desired 0 of max 256 vCPUs\. Compute environment test-training-ondemand ENABLED VALID, desired 0 of max 0 vCPUs\.$/,
    );
    expect(lines[1]).toMatch(/has been RUNNABLE for 3\dm\d\ds/);
    // Asked from 15 minutes in until it runs at 40: about once a minute, never more.
    const describes = outcome.batchCalls("DescribeJobs");
    expect(describes.length).toBeGreaterThanOrEqual(20);
    expect(describes.length).toBeLessThanOrEqual(27);
    for (let i = 1; i < describes.length; i++) {
      expect((describes[i]?.at ?? 0) - (describes[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(MIN);
    }
    expect(outcome.batchCalls("DescribeJobQueues")).toHaveLength(2);
    expect(outcome.batchCalls("DescribeComputeEnvironments")).toHaveLength(2);
    expect(outcome.result.stuck).toMatchObject({
      state: PIPELINE_BATCH_STATE,
      status: "RUNNABLE",
      stopped: false,
    });
  });

  it("--on-stuck stop: the execution is stopped, exit 1, the reason in the result and JUnit", async () => {
    // The queue without capacity from above: preflight would refuse to start; warn starts it anyway.
    const outcome = await run(machine(60), [
      "--on-stuck",
      "stop",
      "--stuck-after",
      "10m",
      "--preflight",
      "warn",
    ]);
    expect(outcome.code, outcome.stderr).toBe(1);
    expect(outcome.stderr).toMatch(
      /has been RUNNABLE for 10m\d\ds \(--stuck-after 10m00s\).* Stopping the execution \(--on-stuck stop\)\./,
    );
    expect(outcome.result.status).toBe("ABORTED");
    expect(outcome.result.stuck).toMatchObject({
      state: PIPELINE_BATCH_STATE,
      status: "RUNNABLE",
      stopped: true,
    });
    const stop = world.sfn.stopCalls.at(-1);
    expect(stop?.cause).toMatch(
      /Stopped by batchinf: RunBatchInference's batch job .* was RUNNABLE for 10m\d\ds \(--on-stuck stop\)/,
    );
    expect(readFileSync(join(outcome.cwd, "run.xml"), "utf8")).toMatch(
      /<property name="stuck" value="RunBatchInference: Batch job/,
    );
  });
});

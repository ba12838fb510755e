import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import {
  batchCauseFor,
  PIPELINE_BATCH_STATE,
  pipelineFailsAt,
  pipelineStates,
} from "./fake-aws/sfn-scenarios.js";
import { runFast, useFastWorld } from "./helpers/fast-world.js";
import { seedWorkspace } from "./helpers/seed.js";

// What a run used, end to end: the fake's `.sync` tasks put the JobRun / JobDetail
// documents in the history as Step Functions does; the CLI reads them (no extra
// call) and shows the usage in the log, the result file, JUnit and HTML.
const world = useFastWorld();
const GLUE_MS = 5 * 60_000;
const BATCH_MS = 35 * 60_000;
const PRICES = {
  currency: "USD",
  glueDpuHour: 0.44,
  batchVcpuHour: 0.04,
  batchGibHour: 0.005,
  stateTransition: 0.0000285,
};

// Each Glue run: submitted 100 ms after it is scheduled, ExecutionTime round(299.9 s) = 300 s on 10 G.1X workers.
const GLUE_DPU_HOURS = 5 * ((300 * 10) / 3600);
// The Batch job: RUNNING 20 s after submission, until its end: 4 vCPUs and 16 GiB for 2,079.9 s.
const BATCH_HOURS = (BATCH_MS - 100 - 20_000) / 3_600_000;

let machines = 0;
function machine(script: Parameters<typeof world.sfn.addStateMachine>[0]["script"]): string {
  machines += 1;
  return world.sfn.addStateMachine({ name: `usage-${machines}`, ...(script ? { script } : {}) });
}

async function run(args: string[], machineArn: string) {
  const cwd = seedWorkspace();
  writeFileSync(join(cwd, "prices.json"), JSON.stringify(PRICES));
  const outcome = await runFast(
    world,
    [
      "run",
      "--state-machine-arn",
      machineArn,
      "--result-file",
      join(cwd, "result.json"),
      "--junit",
      join(cwd, "run.xml"),
      "--report-html",
      join(cwd, "run.html"),
      ...args.map((arg) => arg.replace("{cwd}", cwd)),
    ],
    { cwd },
  );
  const read = (file: string) => readFileSync(join(cwd, file), "utf8");
  return { ...outcome, cwd, read, result: JSON.parse(read("result.json")) };
}

describe("usage", () => {
  it("a healthy run: Glue DPU-hours, Batch vCPU- and GiB-hours and state transitions in every report, priced with --prices", async () => {
    const arn = machine({
      states: pipelineStates({ glueMs: GLUE_MS, batchMs: BATCH_MS }),
      outcome: "SUCCEEDED",
    });
    // --stuck-after past the run's length: the Batch job is never asked about, so any call would be usage's.
    const outcome = await run(["--prices", "{cwd}/prices.json", "--stuck-after", "2h"], arn);
    expect(outcome.code, outcome.stderr).toBe(0);
    const usage = outcome.result.usage;
    expect(usage.stateTransitions).toBe(6);
    expect(usage.glueRuns).toBe(5);
    expect(usage.glueDpuHours).toBeCloseTo(GLUE_DPU_HOURS, 4);
    expect(usage.batchJobs).toBe(1);
    expect(usage.batchVcpuHours).toBeCloseTo(4 * BATCH_HOURS, 4);
    expect(usage.batchGibHours).toBeCloseTo(16 * BATCH_HOURS, 4);
    const cost = GLUE_DPU_HOURS * 0.44 + 4 * BATCH_HOURS * 0.04 + 16 * BATCH_HOURS * 0.005 + 6 * 0.0000285;
    expect(usage.cost.total).toBeCloseTo(cost, 5);
    expect(outcome.stderr).toContain(
      "Used: Glue 4.17 DPU-hours (5 runs), Batch 2.31 vCPU-hours and 9.24 GiB-hours (1 job), 6 state transitions; estimated cost USD 1.97 (--prices)",
    );
    // No call was made for it: the run made no Glue or Batch call but preflight's reads before the start.
    const preflightReads = [
      "GetJob",
      "GetDatabase",
      "DescribeJobQueues",
      "DescribeComputeEnvironments",
      "DescribeJobDefinitions",
    ];
    expect(
      world.fake.calls.filter(
        (call) => /Glue|Batch/i.test(call.service) && !preflightReads.includes(call.operation),
      ),
    ).toEqual([]);

    const junit = new XMLParser({ ignoreAttributes: false }).parse(outcome.read("run.xml"));
    // The execution's testsuite (preflight has one of its own).
    const suite = [junit.testsuites.testsuite]
      .flat()
      .find((candidate: Record<string, unknown>) => candidate["@_name"] !== "preflight");
    const properties = Object.fromEntries(
      [suite.properties.property].flat().map((p: Record<string, string>) => [p["@_name"], p["@_value"]]),
    );
    expect(Number(properties["usage.glueDpuHours"])).toBeCloseTo(GLUE_DPU_HOURS, 4);
    expect(Number(properties["usage.batchVcpuHours"])).toBeCloseTo(4 * BATCH_HOURS, 4);
    expect(properties["usage.stateTransitions"]).toBe("6");
    expect(Number(properties["usage.estimatedCost.USD"])).toBeCloseTo(cost, 5);
    expect(outcome.read("run.html")).toContain(
      "<dt>Used</dt><dd>Glue 4.17 DPU-hours (5 runs), Batch 2.31 vCPU-hours and 9.24 GiB-hours (1 job), 6 state transitions; estimated cost USD 1.97 (--prices)</dd>",
    );
  });

  it("a failed Batch job counts what it used until it failed, from its cause; retries count as transitions", async () => {
    const arn = machine({
      states: pipelineStates({ glueMs: GLUE_MS, batchMs: BATCH_MS }),
      outcome: "SUCCEEDED",
    });
    world.sfn.queueScript(
      arn,
      pipelineFailsAt(
        {
          state: PIPELINE_BATCH_STATE,
          error: "States.TaskFailed",
          cause: "",
          causeFor: batchCauseFor({ attempts: 2 }),
        },
        {
          glueMs: GLUE_MS,
          batchMs: BATCH_MS,
          retries: { DataQualityCheck: [{ error: "States.TaskFailed", cause: "{}" }] },
        },
      ),
    );
    const outcome = await run([], arn);
    expect(outcome.code, outcome.stderr).toBe(1);
    const usage = outcome.result.usage;
    // 6 states entered, one retry.
    expect(usage.stateTransitions).toBe(7);
    // The cause: 2 Batch attempts of 7 minutes on 4 vCPUs and 8 GiB.
    expect(usage.batchVcpuHours).toBeCloseTo(4 * (14 / 60), 4);
    expect(usage.batchGibHours).toBeCloseTo(8 * (14 / 60), 4);
    expect(usage.cost).toBeUndefined();
  });

  it("a bad --prices file: exit 2, one message naming it, nothing started", async () => {
    const arn = machine({ states: pipelineStates(), outcome: "SUCCEEDED" });
    const cwd = seedWorkspace();
    writeFileSync(join(cwd, "prices.json"), JSON.stringify({ glueDpuHours: 0.44 }));
    const started = world.sfn.startCount();
    const outcome = await runFast(
      world,
      ["run", "--state-machine-arn", arn, "--prices", join(cwd, "prices.json")],
      { cwd },
    );
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/error: --prices .*prices\.json: unknown unit "glueDpuHours"/);
    expect(outcome.stderr).not.toMatch(/\n\s+at /);
    expect(world.sfn.startCount()).toBe(started);
  });

  it("backfill totals it: in the result and the closing lines", async () => {
    const arn = machine({
      states: pipelineStates({ glueMs: GLUE_MS, batchMs: BATCH_MS }),
      outcome: "SUCCEEDED",
    });
    const cwd = seedWorkspace();
    const outcome = await runFast(
      world,
      [
        "backfill",
        "--state-machine-arn",
        arn,
        "--dates",
        "2023-10-03,2023-10-04",
        "--result-file",
        join(cwd, "result.json"),
      ],
      { cwd },
    );
    expect(outcome.code, outcome.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(cwd, "result.json"), "utf8"));
    expect(result.usage.glueDpuHours).toBeCloseTo(2 * GLUE_DPU_HOURS, 4);
    expect(result.usage.stateTransitions).toBe(12);
    expect(outcome.stderr).toContain(
      "Used in all: Glue 8.33 DPU-hours (10 runs), Batch 4.62 vCPU-hours and 18.49 GiB-hours (2 jobs), 12 state transitions",
    );
  });
});

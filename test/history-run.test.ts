import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { PIPELINE_BATCH_STATE, pipelineStates } from "./fake-aws/sfn-scenarios.js";
import { runFast, useFastWorld } from "./helpers/fast-world.js";
import { seedWorkspace } from "./helpers/seed.js";

// --history: past SUCCEEDED executions with known state durations on the local
// endpoint; the run says when it should end, names each state's median as it
// ends, and warns once about a state past 2x its median and 5 minutes more.
const world = useFastWorld();
const MIN = 60_000;
let machines = 0;

/** A machine with `past` successful runs behind it: Glue states 4-6 minutes, the Batch state 28-32. */
async function machineWithPast(past: number): Promise<string> {
  machines += 1;
  const arn = world.sfn.addStateMachine({
    name: `history-${machines}`,
    script: { states: pipelineStates(), outcome: "SUCCEEDED" },
  });
  const client = new SFNClient({ ...world.fake.clientConfig("ap-south-1"), maxAttempts: 1 });
  for (let i = 0; i < past; i++) {
    const wobble = (i % 3) - 1; // -1, 0, +1
    world.sfn.queueScript(arn, {
      states: pipelineStates({ glueMs: (5 + wobble) * MIN, batchMs: (30 + 2 * wobble) * MIN }),
      outcome: "SUCCEEDED",
    });
    await client.send(new StartExecutionCommand({ stateMachineArn: arn, name: `past-${i}`, input: "{}" }));
    await world.sleep(2 * 3600_000, new AbortController().signal);
  }
  return arn;
}

async function run(arn: string, batchMinutes: number, args: string[] = []) {
  world.sfn.queueScript(arn, {
    states: pipelineStates({ glueMs: 5 * MIN, batchMs: batchMinutes * MIN }),
    outcome: "SUCCEEDED",
  });
  const cwd = seedWorkspace();
  const startedAt = world.now();
  const outcome = await runFast(
    world,
    [
      "run",
      "--state-machine-arn",
      arn,
      "--history",
      "10",
      "--result-file",
      join(cwd, "result.json"),
      ...args.map((arg) => arg.replace("{cwd}", cwd)),
    ],
    { cwd },
  );
  return { ...outcome, cwd, startedAt, result: JSON.parse(readFileSync(join(cwd, "result.json"), "utf8")) };
}

describe("--history", () => {
  it("a healthy run: the expected end at the start, each state's median at its end, no warning", async () => {
    const arn = await machineWithPast(10);
    world.fake.resetCalls();
    const outcome = await run(arn, 31, ["--report-html", "{cwd}/run.html"]);
    expect(outcome.code, outcome.stderr).toBe(0);
    const html = readFileSync(join(outcome.cwd, "run.html"), "utf8");
    // A median tick on each of the six step rows, and the expected end as one dashed line.
    expect(html.match(/<g class="median"[^>]*>(.*?)<\/g>/)?.[1]?.match(/<line /g)).toHaveLength(6);
    expect(html).toContain("RunBatchInference: median 30m00s of the last 10 successful runs");
    expect(html).toMatch(
      /<g class="expected-end"[^>]*><title>expected end .* median 55m00s of the last 10 successful runs<\/title>/,
    );
    // Medians: Glue 5m, Batch 30m; the run's: 5 x 5 + 30 = 55 minutes.
    const end = new Date(outcome.result.startDate);
    end.setUTCMinutes(end.getUTCMinutes() + 55);
    expect(outcome.stderr).toContain(
      `Expected to end around ${end.toISOString().slice(11, 16)} UTC (median 55m00s of the last 10 successful runs).`,
    );
    expect(outcome.stderr).toMatch(/DataQualityCheck succeeded in 5m00s \(median 5m00s\)/);
    expect(outcome.stderr).toMatch(/RunBatchInference succeeded in 31m00s \(median 30m00s\)/);
    expect(outcome.stderr).not.toMatch(/more than twice its median/);
    expect(outcome.result.expected).toMatchObject({
      basedOn: 10,
      medianMs: 55 * MIN,
      endDate: end.toISOString(),
      states: { DataQualityCheck: 5 * MIN, [PIPELINE_BATCH_STATE]: 30 * MIN },
    });
    // Bounded: one ListExecutions and one page per past history (19 events each), without their data.
    const calls = world.fake.calls.filter((call) => call.service === "AWSStepFunctions");
    expect(calls.filter((call) => call.operation === "ListExecutions")).toHaveLength(1);
    const pastReads = calls.filter(
      (call) => call.operation === "GetExecutionHistory" && call.input.includeExecutionData === false,
    );
    expect(pastReads).toHaveLength(10);
  });

  it("a slow state: one warning once it runs past 2x its median and 5 minutes more", async () => {
    const arn = await machineWithPast(5);
    const outcome = await run(arn, 80);
    expect(outcome.code, outcome.stderr).toBe(0);
    const warnings = outcome.stderr.split("\n").filter((line) => line.includes("more than twice its median"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /warning: RunBatchInference has run 1h05m\d\ds, more than twice its median 30m00s \(of the last 5 successful runs\) and 5 minutes more; still waiting\./,
    );
  });

  it("fewer than 3 past runs: said, no estimate; --history 0 reads nothing", async () => {
    const arn = await machineWithPast(2);
    const outcome = await run(arn, 30);
    expect(outcome.stderr).toContain(
      "--history: only 2 successful runs of this state machine to learn from (3 needed), so no estimate.",
    );
    expect(outcome.result.expected.note).toMatch(/only 2 successful runs/);
    expect(outcome.result.expected.endDate).toBeUndefined();
    world.fake.resetCalls();
    const off = await run(arn, 30, ["--history", "0"]);
    expect(off.code).toBe(0);
    expect(world.fake.calls.filter((call) => call.operation === "ListExecutions")).toHaveLength(0);
    expect(off.result.expected).toBeUndefined();
  });

  it("backfill reads the history once for all its dates, and its table sets each duration against the median", async () => {
    // Past runs of 48, 55, 62 and 48 minutes: the median is 51m30s.
    const arn = await machineWithPast(4);
    world.sfn.setScriptForName(arn, () => ({
      states: pipelineStates({ glueMs: 5 * MIN, batchMs: 30 * MIN }),
      outcome: "SUCCEEDED",
    }));
    world.fake.resetCalls();
    const cwd = seedWorkspace();
    const outcome = await runFast(
      world,
      [
        "backfill",
        "--state-machine-arn",
        arn,
        "--history",
        "10",
        "--dates",
        "2023-10-03,2023-10-04,2023-10-05",
        "--result-file",
        join(cwd, "result.json"),
      ],
      { cwd },
    );
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(world.fake.calls.filter((call) => call.operation === "ListExecutions")).toHaveLength(1);
    const pastReads = world.fake.calls.filter(
      (call) => call.operation === "GetExecutionHistory" && call.input.includeExecutionData === false,
    );
    expect(pastReads).toHaveLength(4);
    expect(outcome.stderr).toMatch(/date\s+execution\s+status\s+duration\s+median/);
    expect(outcome.stderr).toMatch(/2023-10-03 .* SUCCEEDED\s+55m00s\s+51m30s/);
    const result = JSON.parse(readFileSync(join(cwd, "result.json"), "utf8"));
    for (const date of result.results)
      expect(date.expected).toMatchObject({ basedOn: 4, medianMs: 51.5 * MIN });
  });
});

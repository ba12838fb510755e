import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ExecutionScript } from "./fake-aws/sfn.js";
import {
  PIPELINE_GLUE_JOBS,
  pipelineFailsAt,
  pipelineStates,
  pipelineSucceeds,
} from "./fake-aws/sfn-scenarios.js";
import { type FastRun, nextBuildTag, runFast, useFastWorld } from "./helpers/fast-world.js";
import { seedWorkspace } from "./helpers/seed.js";

// backfill in-process against the local endpoint on a virtual clock: the real
// SDK client and HTTP, several executions of one state machine at once, no
// wall-clock waiting. Each test has a state machine of its own, so what is
// counted on it (starts, running at once, stops) is that test's.
const world = useFastWorld();
const SHORT = { glueMs: 2 * 60_000, batchMs: 6 * 60_000 };
const TEN_DATES = ["--from", "2023-10-01", "--to", "2023-10-10"];
let machines = 0;

function newMachine(script: ExecutionScript = pipelineSucceeds(SHORT)): string {
  machines += 1;
  return world.sfn.addStateMachine({ name: `backfill-${machines}`, script });
}

async function backfill(
  machine: string,
  args: string[],
  options: { buildTag?: string; cwd?: string } = {},
): Promise<FastRun & { result: BackfillResult }> {
  const cwd = options.cwd ?? seedWorkspace();
  const run = await runFast(
    world,
    ["backfill", "--state-machine-arn", machine, "--result-file", join(cwd, "result.json"), ...args],
    { ...options, cwd },
  );
  return { ...run, result: JSON.parse(readFileSync(join(cwd, "result.json"), "utf8")) };
}

interface BackfillResult {
  outcome: { exitCode: number };
  totals: Record<string, number>;
  apiCalls?: Record<string, number>;
  results: Array<{
    date: string;
    name?: string;
    status: string;
    start?: string;
    failedState?: string;
    outcome: { exitCode: number; reason: string };
  }>;
}

function startsOn(machine: string) {
  return world.fake.callsTo("StartExecution").filter((call) => call.input.stateMachineArn === machine);
}

function executionsOf(machine: string) {
  return world.sfn.executions().filter((execution) => execution.stateMachineArn === machine);
}

function dateOfInput(input: string): string {
  const { year, month, day } = JSON.parse(input);
  return `${year}-${month}-${day}`;
}

describe("backfill", () => {
  it("runs 10 dates 3 at a time: never more than 3 running, exactly 10 starts, each input with its date, one SSM read", async () => {
    const machine = newMachine();
    const run = await backfill(machine, [...TEN_DATES, "--concurrency", "3"]);
    expect(run.code, run.stderr).toBe(0);
    expect(world.sfn.maxConcurrentRunning(machine)).toBe(3);
    const starts = startsOn(machine);
    expect(starts).toHaveLength(10);
    const dates = Array.from({ length: 10 }, (_, i) => `2023-10-${String(i + 1).padStart(2, "0")}`);
    // Oldest first: the first 3 start together, then each as a slot frees; no date starts before an older one
    // more than 2 places behind it.
    const order = starts.map((call) => dates.indexOf(dateOfInput(String(call.input.input))));
    expect([...order].sort((a, b) => a - b)).toEqual(dates.map((_, i) => i));
    for (const [startIndex, dateIndex] of order.entries())
      expect(dateIndex).toBeLessThanOrEqual(startIndex + 2);
    for (const call of starts) {
      const input = JSON.parse(String(call.input.input));
      expect(String(call.input.name)).toContain(`-${input.year}${input.month}${input.day}-`);
    }
    // The sources were read once for the whole backfill (run reads 2 pages of the same path).
    expect(world.fake.callsTo("GetParametersByPath")).toHaveLength(2);
    expect(run.result.results.map((result) => result.date)).toEqual(dates);
    expect(run.result.totals).toMatchObject({ dates: 10, SUCCEEDED: 10 });
    expect(run.result.results.every((result) => result.start === "started")).toBe(true);
    expect(run.result.apiCalls).toMatchObject({ StartExecution: 10, DescribeStateMachine: 1 });
    // Each date's name looked up once, before anything starts; the starts do not look again.
    expect(
      world.fake.callsTo("DescribeExecution").filter((call) => call.errorCode === "ExecutionDoesNotExist"),
    ).toHaveLength(10);
    // One log: every state line carries its date; a closing table lists every date.
    expect(run.stderr).toMatch(/\[2023-10-07\] \+\d\d:\d\d {2}RunBatchInference succeeded in 6m00s/);
    const table = run.stderr
      .split("\n")
      .filter((line) => /^\s*(info: )?\s*2023-10-\d\d {2}\S+ {2}SUCCEEDED/.test(line));
    expect(table).toHaveLength(10);
  });

  it("the same build again starts nothing: every date reported as already succeeded", async () => {
    const machine = newMachine();
    const buildTag = nextBuildTag();
    const first = await backfill(machine, [...TEN_DATES, "--concurrency", "5"], { buildTag });
    expect(first.code, first.stderr).toBe(0);
    world.fake.resetCalls();
    const again = await backfill(machine, [...TEN_DATES, "--concurrency", "5"], { buildTag });
    expect(again.code, again.stderr).toBe(0);
    expect(startsOn(machine)).toHaveLength(0);
    expect(again.result.results.every((result) => result.start === "found-ended")).toBe(true);
    expect(again.stderr).toMatch(
      /\[2023-10-03\] Execution \S+-20231003-\S+ already ended SUCCEEDED with this input; nothing to do\./,
    );
    expect(again.stderr).toMatch(/2023-10-03 .*SUCCEEDED .*already succeeded, not started again/);
  });

  it("a rerun attaches to the dates still running first, and they count against --concurrency", async () => {
    const machine = newMachine({ states: pipelineStates(SHORT), outcome: "SUCCEEDED" });
    const buildTag = nextBuildTag();
    // The first build is killed (detached) while its first 2 dates run.
    world.onSleep = () => {
      // Both first dates running (each start waits for the result file to name it).
      if (world.fake.callsTo("GetExecutionHistory").length >= 4 && executionsOf(machine).length >= 2) {
        world.onSleep = undefined;
        world.signals.fire("SIGTERM");
      }
    };
    const killed = await backfill(machine, [...TEN_DATES, "--concurrency", "2", "--on-abort", "detach"], {
      buildTag,
    });
    expect(killed.code).toBe(143);
    expect(executionsOf(machine).filter((execution) => execution.status === "RUNNING")).toHaveLength(2);
    world.fake.resetCalls();
    const rerun = await backfill(machine, [...TEN_DATES, "--concurrency", "2"], { buildTag });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(
      /2 of them already running under this build's names \(a rerun\): attaching to 2023-10-01, 2023-10-02 first/,
    );
    expect(rerun.result.results.filter((result) => result.start === "attached").map((r) => r.date)).toEqual([
      "2023-10-01",
      "2023-10-02",
    ]);
    expect(startsOn(machine)).toHaveLength(8);
    expect(world.sfn.maxConcurrentRunning(machine)).toBe(2);
  });

  it("one date failing: exit 1, the other 9 succeed, the failed date's failure shown with its date", async () => {
    const machine = newMachine();
    const failing = PIPELINE_GLUE_JOBS[2]?.[0] as string;
    world.sfn.setScriptForName(machine, (name) =>
      name.includes("-20231004-")
        ? pipelineFailsAt({ state: failing, error: "GlueJobFailed", cause: "Glue job run failed" }, SHORT)
        : undefined,
    );
    const run = await backfill(machine, [...TEN_DATES, "--concurrency", "3"]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.result.totals).toMatchObject({ dates: 10, SUCCEEDED: 9, FAILED: 1 });
    const failed = run.result.results.find((result) => result.status === "FAILED");
    expect(failed).toMatchObject({ date: "2023-10-04", failedState: failing, outcome: { exitCode: 1 } });
    expect(run.stderr).toMatch(
      new RegExp(`\\[2023-10-04\\] (error: )?Execution FAILED at state ${failing}: GlueJobFailed`),
    );
    expect(run.stderr).toMatch(new RegExp(`2023-10-04 .*FAILED .* ${failing}`));
    expect(startsOn(machine)).toHaveLength(10);
  });

  it("--fail-fast: no date starts after the first failure; the rest are reported as not started", async () => {
    const machine = newMachine();
    world.sfn.setScriptForName(machine, (name) =>
      name.includes("-20231002-")
        ? pipelineFailsAt(
            { state: PIPELINE_GLUE_JOBS[0]?.[0] as string, error: "GlueJobFailed", cause: "x" },
            SHORT,
          )
        : undefined,
    );
    const run = await backfill(machine, [...TEN_DATES, "--concurrency", "2", "--fail-fast"]);
    expect(run.code, run.stderr).toBe(1);
    // 2023-10-01 and -02 were running; -02 failed first, -01 was seen to its end; nothing else began.
    expect(startsOn(machine)).toHaveLength(2);
    const notStarted = run.result.results.filter((result) => result.outcome.reason === "not-started");
    expect(notStarted.map((result) => result.date)).toEqual(
      Array.from({ length: 8 }, (_, i) => `2023-10-${String(i + 3).padStart(2, "0")}`),
    );
    expect(notStarted.every((result) => result.status === "NOT_STARTED")).toBe(true);
    expect(run.stderr).toMatch(/--fail-fast after a failure: 8 dates were not started \(2023-10-03, /);
  });

  it("an invalid --set for all dates: exit 2, nothing started, the dates named", async () => {
    const machine = newMachine();
    const run = await backfill(machine, [...TEN_DATES, "--set", "region=not-a-region"]);
    expect(run.code, run.stderr).toBe(2);
    expect(startsOn(machine)).toHaveLength(0);
    expect(world.fake.callsTo("StartExecution")).toHaveLength(0);
    expect(run.stderr).toMatch(
      /invalid for 10 of 10 dates \(2023-10-01, 2023-10-02, 2023-10-03, 2023-10-04, 2023-10-05 and 5 more\); nothing was started/,
    );
    expect(run.stderr).toMatch(/2023-10-07: .*region/);
    expect(run.result.outcome.exitCode).toBe(2);
  });

  it("one --timeout for the whole backfill: no date begins once it ran out, the running ones keep their slots (exit 4)", async () => {
    const machine = newMachine(pipelineSucceeds({ glueMs: 10 * 60_000, batchMs: 30 * 60_000 }));
    const run = await backfill(machine, [
      "--from",
      "2023-10-01",
      "--to",
      "2023-10-06",
      "--concurrency",
      "2",
      "--timeout",
      "5m",
    ]);
    expect(run.code, run.stderr).toBe(4);
    expect(startsOn(machine)).toHaveLength(2);
    expect(world.sfn.maxConcurrentRunning(machine)).toBeLessThanOrEqual(2);
    expect(run.result.results.filter((result) => result.outcome.reason === "timeout")).toHaveLength(2);
    expect(run.result.results.filter((result) => result.outcome.reason === "not-started")).toHaveLength(4);
    expect(run.stderr).toMatch(/--timeout ran out: 4 dates were not started/);
  });

  it("--timeout that runs out just as a date succeeds: the dates it kept from starting make the exit 4, not 0", async () => {
    // The execution runs 16m10s; the deadline falls after the first date's end
    // and before the poll that would follow it (the Batch job is polled every
    // 20 s): the poll at the deadline sees the end, and no date starts after it.
    const machine = newMachine(pipelineSucceeds({ ...SHORT, batchMs: SHORT.batchMs + 10_000 }));
    const run = await backfill(machine, [
      "--from",
      "2023-10-01",
      "--to",
      "2023-10-03",
      "--concurrency",
      "1",
      "--timeout",
      "16m15s",
    ]);
    expect(startsOn(machine)).toHaveLength(1);
    expect(run.result.results[0]?.status).toBe("SUCCEEDED");
    expect(run.result.results.slice(1).map((result) => result.outcome)).toEqual([
      { exitCode: 4, reason: "not-started" },
      { exitCode: 4, reason: "not-started" },
    ]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/--timeout ran out: 2 dates were not started/);
  });

  it("dates that time out under --fail-fast are not failures: the log blames the timeout", async () => {
    const machine = newMachine(pipelineSucceeds({ glueMs: 10 * 60_000, batchMs: 30 * 60_000 }));
    const run = await backfill(machine, [
      "--from",
      "2023-10-01",
      "--to",
      "2023-10-05",
      "--concurrency",
      "2",
      "--fail-fast",
      "--timeout",
      "3m",
    ]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/--timeout ran out: 3 dates were not started/);
    expect(run.stderr).not.toMatch(/--fail-fast after a failure/);
  });

  it("a rerun of the build with a changed input: exit 2 naming the dates whose executions differ, nothing started", async () => {
    const machine = newMachine();
    const buildTag = nextBuildTag();
    expect((await backfill(machine, ["--dates", "2023-10-03"], { buildTag })).code).toBe(0);
    const startsBefore = startsOn(machine).length;
    const rerun = await backfill(
      machine,
      ["--from", "2023-10-01", "--to", "2023-10-05", "--set", "dq_table=other_table", "--concurrency", "1"],
      { buildTag },
    );
    expect(rerun.code).toBe(2);
    expect(rerun.stderr).toMatch(
      /A date of this build already has an execution with a different input; nothing was started/,
    );
    expect(rerun.stderr).toMatch(
      /2023-10-03: DCP-20231003-.* already exists \(SUCCEEDED\) with a different input \(dq_table\)/,
    );
    expect(startsOn(machine)).toHaveLength(startsBefore);
  });

  it("SIGTERM mid-backfill: every running execution stopped exactly once, the rest not started, exit 143", async () => {
    const machine = newMachine({ states: pipelineStates(SHORT).slice(0, 2), outcome: "NEVER_ENDS" });
    world.onSleep = () => {
      // Mid-backfill: the first three dates running (each start waits for the result file to name it).
      if (world.fake.callsTo("GetExecutionHistory").length >= 6 && executionsOf(machine).length >= 3) {
        world.onSleep = undefined;
        world.signals.fire("SIGTERM");
      }
    };
    const run = await backfill(machine, [...TEN_DATES, "--concurrency", "3"]);
    expect(run.code, run.stderr).toBe(143);
    const started = executionsOf(machine);
    expect(started).toHaveLength(3);
    const stops = world.sfn.stopCalls.filter((stop) =>
      started.some((e) => e.executionArn === stop.executionArn),
    );
    expect(stops.map((stop) => stop.executionArn).sort()).toEqual(started.map((e) => e.executionArn).sort());
    expect(started.every((execution) => execution.status === "ABORTED")).toBe(true);
    expect(stops.every((stop) => stop.cause?.includes("https://jenkins.example/job/ml/42/"))).toBe(true);
    expect(run.result.results.filter((result) => result.outcome.reason === "interrupted")).toHaveLength(10);
    expect(run.result.totals).toMatchObject({ ABORTED: 3, NOT_STARTED: 7 });
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { glueJobState, pipelineStates } from "./fake-aws/sfn-scenarios.js";
import { runFast, useFastWorld } from "./helpers/fast-world.js";
import { seedWorkspace } from "./helpers/seed.js";

// --stuck-after for Glue against the local endpoint: a run held WAITING (job
// run queuing) for a scripted time, read with the real Glue client
// (GetJobRun) on a virtual clock.
const world = useFastWorld();
const MIN = 60_000;
/** The first Glue state of the seed's pipeline. */
const GLUE_STATE = "DataQualityCheck";
const QUEUED = "Job run is waiting for resources: the account's concurrent job runs limit is reached.";
let machines = 0;

function machine(glueMinutes: number): string {
  machines += 1;
  return world.sfn.addStateMachine({
    name: `stuck-glue-${machines}`,
    script: { states: pipelineStates({ glueMs: glueMinutes * MIN, batchMs: MIN }), outcome: "SUCCEEDED" },
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
      "--preflight",
      "off",
      "--result-file",
      join(cwd, "result.json"),
      "--junit",
      join(cwd, "run.xml"),
      ...args,
    ],
    { cwd },
  );
  const getJobRuns = world.fake.calls.filter((call) => call.operation === "GetJobRun");
  return { ...outcome, cwd, getJobRuns, result: JSON.parse(readFileSync(join(cwd, "result.json"), "utf8")) };
}

const stuckLines = (stderr: string) =>
  stderr.split("\n").filter((line) => / has been (WAITING|STARTING)/.test(line));

describe("--stuck-after, Glue", () => {
  it("a healthy run: no warning, and one GetJobRun for the one run still running after 15 minutes", async () => {
    const arn = world.sfn.addStateMachine({
      name: "glue-healthy",
      script: {
        states: pipelineStates({ glueMs: 2 * MIN, batchMs: MIN }).map((state, i) =>
          i === 0 ? { ...state, durationMs: 25 * MIN } : state,
        ),
        outcome: "SUCCEEDED",
      },
    });
    const outcome = await run(arn);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(stuckLines(outcome.stderr)).toEqual([]);
    expect(outcome.result.stuck).toBeUndefined();
    // The first run lasts 25 minutes: asked once at 15, RUNNING, never again; the others end within 2.
    expect(outcome.getJobRuns).toHaveLength(1);
    expect(outcome.getJobRuns[0]?.input).toMatchObject({
      JobName: expect.any(String),
      RunId: expect.stringMatching(/^jr_/),
    });
  });

  it("a run WAITING for 40 minutes: a warning at 15 and 30 minutes with its state detail, at most one call a minute", async () => {
    world.preflight.glue.holdWaiting(GLUE_STATE, 40 * MIN, QUEUED);
    const outcome = await run(machine(45));
    expect(outcome.code, outcome.stderr).toBe(0);
    const lines = stuckLines(outcome.stderr);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(
        `^warning: ${GLUE_STATE}: Glue job run \\S+ jr_[0-9a-f]+ has been WAITING for 15m\\d\\ds \\(--stuck-after 15m00s\\): Job run is waiting for resources: the account's concurrent job runs limit is reached\\.$`,
      ),
    );
    expect(lines[1]).toMatch(/has been WAITING for 3\dm\d\ds/);
    // Asked from 15 minutes in until it runs at 40: about once a minute, never more; the held state's run only.
    const asked = outcome.getJobRuns.filter(
      (call) => call.input.RunId === outcome.getJobRuns[0]?.input.RunId,
    );
    expect(asked.length).toBeGreaterThanOrEqual(20);
    expect(asked.length).toBeLessThanOrEqual(27);
    for (let i = 1; i < asked.length; i++) {
      expect((asked[i]?.at ?? 0) - (asked[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(MIN);
    }
    expect(outcome.result.stuck).toMatchObject({
      state: GLUE_STATE,
      kind: "glue",
      status: "WAITING",
      stopped: false,
    });
  });

  it("--on-stuck stop: the execution is stopped, exit 1, the reason in the result and JUnit", async () => {
    world.preflight.glue.holdWaiting(GLUE_STATE, 40 * MIN, QUEUED);
    const outcome = await run(machine(45), ["--on-stuck", "stop", "--stuck-after", "10m"]);
    expect(outcome.code, outcome.stderr).toBe(1);
    expect(outcome.stderr).toMatch(
      /has been WAITING for 10m\d\ds \(--stuck-after 10m00s\).* Stopping the execution \(--on-stuck stop\)\./,
    );
    expect(outcome.result.status).toBe("ABORTED");
    expect(outcome.result.stuck).toMatchObject({ state: GLUE_STATE, status: "WAITING", stopped: true });
    expect(world.sfn.stopCalls.at(-1)?.cause).toMatch(
      new RegExp(
        `Stopped by batchinf: ${GLUE_STATE}'s glue job jr_[0-9a-f]+ was WAITING for 10m\\d\\ds \\(--on-stuck stop\\)`,
      ),
    );
    expect(readFileSync(join(outcome.cwd, "run.xml"), "utf8")).toMatch(
      new RegExp(`<property name="stuck" value="${GLUE_STATE}: Glue job run`),
    );
  });
});

describe("the Glue fake's GetJobRun", () => {
  it("answers the JobRun shape, STARTING then RUNNING then SUCCEEDED with its times, and EntityNotFoundException for an unknown run", async () => {
    const { GetJobRunCommand, GlueClient } = await import("@aws-sdk/client-glue");
    const glue = new GlueClient({ ...world.fake.clientConfig("ap-south-1"), maxAttempts: 1 });
    // A state of its own: the other tests hold the pipeline's first Glue state WAITING.
    const arn = world.sfn.addStateMachine({
      name: "glue-shape",
      script: { states: [glueJobState("ShapeCheck", { durationMs: 10 * MIN })], outcome: "SUCCEEDED" },
    });
    const { SFNClient, StartExecutionCommand } = await import("@aws-sdk/client-sfn");
    const sfn = new SFNClient({ ...world.fake.clientConfig("ap-south-1"), maxAttempts: 1 });
    await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: "shape", input: "{}" }));
    const signal = new AbortController().signal;
    await world.sleep(2_000, signal);
    const run = world.preflight.glue.runs().find((r) => r.executionArn.endsWith(":shape"));
    expect(run).toBeDefined();
    const ask = async () =>
      (await glue.send(new GetJobRunCommand({ JobName: run?.jobName, RunId: run?.id }))).JobRun;
    expect(await ask()).toMatchObject({ Id: run?.id, JobRunState: "STARTING", ExecutionTime: 0 });
    await world.sleep(5 * MIN, signal);
    const running = await ask();
    expect(running?.JobRunState).toBe("RUNNING");
    expect(running?.StartedOn).toBeInstanceOf(Date);
    expect(running?.CompletedOn).toBeUndefined();
    await world.sleep(6 * MIN, signal);
    const done = await ask();
    expect(done).toMatchObject({ JobRunState: "SUCCEEDED", WorkerType: "G.1X", NumberOfWorkers: 10 });
    expect(done?.CompletedOn?.getTime()).toBe(run?.endedAt);
    expect(done?.ExecutionTime).toBeGreaterThan(9 * 60);
    await expect(
      glue.send(new GetJobRunCommand({ JobName: run?.jobName, RunId: "jr_unknown" })),
    ).rejects.toMatchObject({ name: "EntityNotFoundException" });
  });
});

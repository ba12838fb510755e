import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createAwsClients } from "../src/aws/clients.js";
import { ENDPOINT_NOTE } from "../src/aws/endpoint-note.js";
import { awsFailure } from "../src/aws/errors.js";
import { CallCutShortError, DEADLINE, toExit } from "../src/errors.js";
import { exitCodeOf, outcomeOfError } from "../src/execution/exit-code.js";
import { glueCauseFor, pipelineFailsAt, pipelineStates } from "./fake-aws/sfn-scenarios.js";
import { SSM_PATH } from "./helpers/aws.js";
import { captureContext } from "./helpers/capture.js";
import { runInProcess } from "./helpers/cli.js";
import { type FastRun, nextBuildTag, runFast, useFastWorld } from "./helpers/fast-world.js";
import { seedWorkspace } from "./helpers/seed.js";

// Every wait is bounded, whatever the network does: the local endpoint reads a
// request and never answers (the "hang" fault), the way a stalled NAT or proxy
// connection does. In-process on the world's clock; the bounds themselves
// (request timeout, --timeout, the abort budget) are wall-clock timers, so
// each test measures wall time.
const world = useFastWorld();
const MINUTES = { glueMs: 4 * 60_000, batchMs: 12 * 60_000 };
const GLUE_STATE = "PrepareFeatures";
let machineAdded = false;

function machine(): string {
  if (!machineAdded) {
    world.sfn.addStateMachine({
      name: "batch-inference-DCP",
      script: { states: pipelineStates(MINUTES), outcome: "SUCCEEDED" },
    });
    machineAdded = true;
  }
  return world.stateMachineArn;
}

function queueNeverEnding(): void {
  world.sfn.queueScript(machine(), { states: pipelineStates(MINUTES).slice(0, 1), outcome: "NEVER_ENDS" });
}

async function run(args: string[], buildTag = nextBuildTag()): Promise<FastRun & { tookMs: number }> {
  machine();
  const cwd = seedWorkspace();
  const began = Date.now();
  const outcome = await runFast(world, ["run", "--result-file", join(cwd, "result.json"), ...args], {
    cwd,
    buildTag,
  });
  return { ...outcome, tookMs: Date.now() - began };
}

function resultOf(cwd: string) {
  return JSON.parse(readFileSync(join(cwd, "result.json"), "utf8"));
}

/** The execution name a run of this build gets (DCP-<date>-<BUILD_TAG>). */
function arnFor(buildTag: string): string {
  return `${machine().replace(":stateMachine:", ":execution:")}:DCP-20231014-${buildTag}`;
}

/** render from the seeded workspace's sources, live SSM, a 1 s request timeout. */
function renderArgs(cwd: string): string[] {
  const input = ["--ssm-path", SSM_PATH, "--tfvars", join(cwd, "tfvars.json"), "--repo-dir", cwd];
  return ["render", ...input, "--request-timeout", "1s"];
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("one time bound for every AWS call (--request-timeout)", () => {
  it("render --request-timeout 1s against an SSM that never answers: exit 3 within 40 s, naming the call, the host, the attempts and the timeout", async () => {
    const hang = world.fake.faults.add({ operation: "GetParametersByPath", kind: "hang" });
    const cwd = seedWorkspace();
    const began = Date.now();
    // The SDK's own retry strategy (adaptive, 6 attempts, its real backoff), as in production.
    const outcome = await runInProcess(renderArgs(cwd), { env: {}, now: Date.now });
    const took = Date.now() - began;
    expect(outcome.code, outcome.stderr).toBe(3);
    expect(took).toBeLessThan(40_000);
    expect(outcome.stderr).toMatch(
      /error: ssm:GetParametersByPath on \/mlops\/dcp\/ in ap-south-1: no answer from 127\.0\.0\.1:\d+ within --request-timeout 1\.0s, 6 attempts; check the network, proxy or AWS_ENDPOINT_URL, or raise --request-timeout\./,
    );
    expect(outcome.stdout).toBe("");
    expect(hang.injected).toBeGreaterThanOrEqual(6);
  }, 60_000);

  it("a request that times out is retried like a 5xx: the second attempt answers and render succeeds", async () => {
    const hang = world.fake.faults.add({ operation: "GetParametersByPath", kind: "hang", count: 1 });
    const cwd = seedWorkspace();
    const outcome = await runFast(world, [...renderArgs(cwd), "--date", "2023-10-14"], { cwd });
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(hang.injected).toBe(1);
    const outcomes = world.fake.callsTo("GetParametersByPath").map((call) => call.outcome);
    expect(outcomes[0]).toBe("hung");
    expect(outcomes.slice(1).every((status) => status === 200)).toBe(true);
    expect(JSON.parse(outcome.stdout)).toMatchObject({ region: "ap-south-1", year: "2023" });
  }, 20_000);

  it("--request-timeout is 1s to 5m: 500ms and 6m are usage errors (exit 2), nothing called", async () => {
    for (const value of ["500ms", "6m"]) {
      const outcome = await runFast(world, ["run", "--request-timeout", value]);
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toMatch(
        new RegExp(`--request-timeout='${value}' is out of range; use from 1s to 5m`),
      );
    }
    expect(world.fake.calls).toHaveLength(0);
  });

  it("every client the factory builds carries the bound (SSM, Step Functions, the abort path's, CloudWatch Logs, Batch)", async () => {
    const { log } = captureContext().ctx;
    const clients = await createAwsClients({ region: "ap-south-1", requestTimeout: 1_234 }, log, {});
    const all = [
      clients.ssm(),
      clients.sfn(),
      clients.sfnUrgent(),
      await clients.logs(),
      await clients.batch(),
    ];
    for (const client of all) {
      const handler = client.config.requestHandler as unknown as {
        configProvider: Promise<{ requestTimeout?: number; throwOnRequestTimeout?: boolean }>;
      };
      expect(await handler.configProvider).toMatchObject({
        requestTimeout: 1_234,
        throwOnRequestTimeout: true,
      });
    }
  });

  it("the timeout message names the endpoint's host only, never credentials in its URL", () => {
    const error = Object.assign(new Error("request timed out"), {
      name: "TimeoutError",
      $metadata: { attempts: 3 },
      [ENDPOINT_NOTE]: { host: "proxy.internal:8443", requestTimeoutMs: 30_000 },
    });
    const message = awsFailure(error, { operation: "states:DescribeExecution", region: "eu-west-1" }).message;
    expect(message).toBe(
      "states:DescribeExecution in eu-west-1: no answer from proxy.internal:8443 within --request-timeout 30.0s, 3 attempts; check the network, proxy or AWS_ENDPOINT_URL, or raise --request-timeout.",
    );
  });
});

describe("the abort and the deadline reach every phase", () => {
  it("a call cut short is never an AWS failure: its exit code and outcome come from the signal's reason", () => {
    const cases: Array<[unknown, number, string]> = [
      ["SIGINT", 130, "interrupted"],
      ["SIGTERM", 143, "interrupted"],
      [DEADLINE, 4, "timeout"],
      ["--abort-timeout", 3, "error"],
    ];
    for (const [reason, code, kind] of cases) {
      const error = new CallCutShortError(reason);
      expect(toExit(error).code, String(reason)).toBe(code);
      const outcome = outcomeOfError(error, "stop");
      expect(outcome.kind, String(reason)).toBe(kind);
      expect(exitCodeOf(outcome), String(reason)).toBe(code);
    }
  });

  it("run --timeout 4s while every poll hangs: exit 4 within 9 s of its start, the result written (RUNNING, timeout)", async () => {
    queueNeverEnding();
    world.fake.faults.add({ operation: "GetExecutionHistory", kind: "hang" });
    const outcome = await run(["--timeout", "4s"]);
    expect(outcome.code, outcome.stderr).toBe(4);
    expect(outcome.tookMs).toBeLessThan(9_000);
    expect(outcome.stderr).toMatch(/--timeout 4\.0s reached; the execution keeps running/);
    expect(resultOf(outcome.cwd)).toMatchObject({
      status: "RUNNING",
      outcome: { exitCode: 4, reason: "timeout" },
    });
  }, 20_000);

  it("SIGTERM while a poll never answers: the poll is cut short, the execution stopped once, ABORTED, exit 143 within 5 s", async () => {
    queueNeverEnding();
    world.onSleep = () => {
      if (world.fake.callsTo("GetExecutionHistory").length >= 2) {
        world.onSleep = undefined;
        world.fake.faults.add({ operation: "GetExecutionHistory", kind: "hang" });
      }
    };
    const running = run([]);
    await until(() => world.fake.callsTo("GetExecutionHistory").some((call) => call.outcome === "hung"));
    const signalledAt = Date.now();
    world.signals.fire("SIGTERM");
    const outcome = await running;
    expect(outcome.code, outcome.stderr).toBe(143);
    expect(Date.now() - signalledAt).toBeLessThan(5_000);
    expect(world.fake.callsTo("StopExecution")).toHaveLength(1);
    expect(resultOf(outcome.cwd)).toMatchObject({ status: "ABORTED", outcome: { exitCode: 143 } });
  }, 20_000);

  it("SIGTERM while SSM never answers: exit 143 at once, nothing started, the result says interrupted", async () => {
    machine();
    world.fake.faults.add({ operation: "GetParametersByPath", kind: "hang" });
    const cwd = seedWorkspace();
    const began = Date.now();
    const running = runFast(world, ["run", "--result-file", join(cwd, "result.json")], { cwd });
    await until(() => world.fake.callsTo("GetParametersByPath").length > 0);
    world.signals.fire("SIGTERM");
    const outcome = await running;
    expect(outcome.code, outcome.stderr).toBe(143);
    expect(Date.now() - began).toBeLessThan(5_000);
    expect(world.fake.callsTo("StartExecution")).toHaveLength(0);
    expect(resultOf(cwd)).toMatchObject({
      status: "NOT_STARTED",
      outcome: { exitCode: 143, reason: "interrupted" },
    });
  }, 20_000);

  it("a failed execution whose CloudWatch Logs calls never answer: exit 1 with its failure block, the log a warning", async () => {
    world.sfn.queueScript(
      machine(),
      pipelineFailsAt(
        {
          state: GLUE_STATE,
          error: "States.TaskFailed",
          cause: "",
          causeFor: glueCauseFor("AnalysisException: Path does not exist"),
        },
        MINUTES,
      ),
    );
    world.fake.faults.add({ service: "Logs_20140328", kind: "hang" });
    const outcome = await run(["--request-timeout", "1s"]);
    expect(outcome.code, outcome.stderr).toBe(1);
    expect(outcome.stderr).toMatch(
      new RegExp(`error: Execution FAILED at state ${GLUE_STATE}: States.TaskFailed`),
    );
    expect(outcome.stderr).toMatch(/Glue job DCP-batch-inference-feature-prep, run jr_\w+: FAILED/);
    expect(outcome.stderr).toMatch(/could not read the task's log|the task's log is not shown/);
    const result = resultOf(outcome.cwd);
    expect(result).toMatchObject({ status: "FAILED", outcome: { exitCode: 1 }, failedState: GLUE_STATE });
    expect(result.failure.warnings.join(" ")).toMatch(/CloudWatch Logs did not answer in time/);
  }, 60_000);
});

describe("the ARN first", () => {
  it("the result file names the execution (STARTING) before StartExecution is sent; SIGTERM while it hangs unanswered and it never lands: exit 143, NOT_STARTED", async () => {
    machine();
    world.fake.faults.add({ operation: "StartExecution", kind: "hang" });
    const buildTag = nextBuildTag();
    const cwd = seedWorkspace();
    const running = runFast(
      world,
      ["run", "--result-file", join(cwd, "result.json"), "--abort-timeout", "1s"],
      { cwd, buildTag },
    );
    await until(() => world.fake.callsTo("StartExecution").length > 0);
    expect(resultOf(cwd)).toMatchObject({ executionArn: arnFor(buildTag), status: "STARTING" });
    world.signals.fire("SIGTERM");
    const outcome = await running;
    expect(outcome.code, outcome.stderr).toBe(143);
    expect(world.fake.callsTo("StopExecution")).toHaveLength(0);
    expect(outcome.stderr).toMatch(/was not found within --abort-timeout: its start did not take effect/);
    expect(resultOf(cwd)).toMatchObject({
      executionArn: arnFor(buildTag),
      status: "NOT_STARTED",
      outcome: { exitCode: 143, reason: "interrupted" },
    });
  }, 20_000);

  it("SIGTERM while a StartExecution that took effect hangs unanswered: the execution is stopped once, ABORTED, exit 143", async () => {
    queueNeverEnding();
    world.fake.faults.add({ operation: "StartExecution", kind: "hang", takeEffect: true });
    const buildTag = nextBuildTag();
    const cwd = seedWorkspace();
    const began = Date.now();
    const running = runFast(world, ["run", "--result-file", join(cwd, "result.json")], { cwd, buildTag });
    await until(() => world.sfn.getExecution(arnFor(buildTag)) !== undefined);
    world.signals.fire("SIGTERM");
    const outcome = await running;
    expect(outcome.code, outcome.stderr).toBe(143);
    expect(Date.now() - began).toBeLessThan(5_000);
    expect(world.fake.callsTo("StopExecution")).toHaveLength(1);
    expect(world.sfn.getExecution(arnFor(buildTag))?.status).toBe("ABORTED");
    expect(resultOf(cwd)).toMatchObject({ status: "ABORTED", outcome: { exitCode: 143 } });
  }, 20_000);

  it("a StartExecution that never answers within --request-timeout: exit 3 naming the ARN it may have, the result STARTING", async () => {
    machine();
    world.fake.faults.add({ operation: "StartExecution", kind: "hang" });
    const buildTag = nextBuildTag();
    const outcome = await run(["--request-timeout", "1s"], buildTag);
    expect(outcome.code, outcome.stderr).toBe(3);
    expect(outcome.stderr).toContain(
      `states:StartExecution on ${machine()} in ap-south-1: no answer from 127.0.0.1:`,
    );
    expect(outcome.stderr).toContain(`it may have started as ${arnFor(buildTag)}`);
    expect(resultOf(outcome.cwd)).toMatchObject({
      executionArn: arnFor(buildTag),
      status: "STARTING",
      outcome: { exitCode: 3 },
    });
  }, 30_000);

  it("stop --result-file of a start never answered: stops it when it exists, says it never started (exit 0) when it does not", async () => {
    queueNeverEnding();
    const started = await run(["--no-wait"]);
    expect(started.code, started.stderr).toBe(0);
    const arn = resultOf(started.cwd).executionArn as string;
    const file = join(started.cwd, "result.json");
    writeFileSync(file, JSON.stringify({ executionArn: arn, status: "STARTING" }));
    const stopped = await runFast(world, ["stop", "--result-file", file]);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stderr).toMatch(/Stopped execution .*: ABORTED/);
    expect(world.sfn.getExecution(arn)?.status).toBe("ABORTED");

    writeFileSync(file, JSON.stringify({ executionArn: `${arn}-never`, status: "STARTING" }));
    const never = await runFast(world, ["stop", "--result-file", file, "--abort-timeout", "1s"]);
    expect(never.code, never.stderr).toBe(0);
    expect(never.stderr).toMatch(/never started \(its StartExecution did not take effect\); nothing to stop/);
    expect(world.fake.callsTo("StopExecution").map((call) => call.input.executionArn)).toEqual([arn]);
  }, 20_000);

  it("backfill shares the start: SIGTERM while its StartExecutions hang after taking effect stops each execution, exit 143", async () => {
    const arn = machine();
    world.sfn.queueScript(arn, { states: pipelineStates(MINUTES).slice(0, 1), outcome: "NEVER_ENDS" });
    world.sfn.queueScript(arn, { states: pipelineStates(MINUTES).slice(0, 1), outcome: "NEVER_ENDS" });
    world.fake.faults.add({ operation: "StartExecution", kind: "hang", takeEffect: true });
    const cwd = seedWorkspace();
    const before = world.sfn.executions().length;
    const running = runFast(
      world,
      ["backfill", "--dates", "2023-10-01,2023-10-02", "--result-file", join(cwd, "result.json")],
      { cwd },
    );
    await until(() => world.sfn.executions().length >= before + 2);
    const file = resultOf(cwd);
    expect(file.results.map((result: { status: string }) => result.status)).toEqual(["STARTING", "STARTING"]);
    world.signals.fire("SIGTERM");
    const outcome = await running;
    expect(outcome.code, outcome.stderr).toBe(143);
    const mine = world.sfn.executions().slice(before);
    expect(mine.map((execution) => execution.status)).toEqual(["ABORTED", "ABORTED"]);
    expect(world.fake.callsTo("StopExecution")).toHaveLength(2);
    expect(resultOf(cwd).results.map((result: { status: string }) => result.status)).toEqual([
      "ABORTED",
      "ABORTED",
    ]);
  }, 20_000);
});

describe("an answered stop is recorded", () => {
  it("StopExecution answered with success but its confirming read never answers within --abort-timeout: the result says ABORTED, not RUNNING", async () => {
    queueNeverEnding();
    world.onSleep = () => {
      if (world.fake.callsTo("GetExecutionHistory").length >= 2) {
        world.onSleep = undefined;
        world.fake.faults.add({ operation: "DescribeExecution", kind: "hang" });
        world.signals.fire("SIGTERM");
      }
    };
    const outcome = await run(["--abort-timeout", "2s"]);
    expect(outcome.code, outcome.stderr).toBe(143);
    expect(world.fake.callsTo("StopExecution").map((call) => call.outcome)).toEqual([200]);
    expect(outcome.stderr).toMatch(/ABORTED was not confirmed within --abort-timeout/);
    expect(resultOf(outcome.cwd)).toMatchObject({
      status: "ABORTED",
      outcome: { exitCode: 143, reason: "interrupted" },
    });
    expect(existsSync(join(outcome.cwd, "result.json"))).toBe(true);
  }, 20_000);
});

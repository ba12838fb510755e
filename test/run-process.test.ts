import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { pipelineStates, pipelineSucceeds } from "./fake-aws/sfn-scenarios.js";
import { SSM_PATH, useFakeAws } from "./helpers/aws.js";
import { cleanEnv, runCli } from "./helpers/cli.js";
import { BIN, SEED_DATE, seedSsm, seedWorkspace } from "./helpers/seed.js";

// Smoke tests of the built binary as Jenkins runs it: real signals, real exit
// codes, wall-clock latency. Behaviour is tested in-process (run.test.ts).
const world = useFakeAws();
const STATE_MACHINE_ARN = seedSsm().state_machine_arn as string;
const FAST = { glueMs: 120, batchMs: 240 };
let machineAdded = false;
let buildNumber = 0;

beforeEach(() => {
  if (!machineAdded) {
    world.sfn.addStateMachine({ name: "batch-inference-DCP", script: pipelineSucceeds(FAST) });
    machineAdded = true;
  }
  world.fake.faults.clear();
  world.fake.resetCalls();
});

function queueNeverEnding(): void {
  world.sfn.queueScript(STATE_MACHINE_ARN, {
    states: pipelineStates(FAST).slice(0, 1),
    outcome: "NEVER_ENDS",
  });
}

/** `batchinf run` against the local endpoint with fast polls, as a smoke test spawns it. */
function runArgs(args: string[], cwd: string): string[] {
  return [
    "run",
    "--ssm-path",
    SSM_PATH,
    "--date",
    SEED_DATE,
    "--poll-interval",
    "50ms",
    "--max-poll-interval",
    "200ms",
    "--result-file",
    join(cwd, "result.json"),
    ...args,
  ];
}

/** A fresh Jenkins build's environment, aimed at the local endpoint. */
function buildEnv(): Record<string, string> {
  buildNumber += 1;
  return {
    ...world.fake.env({ region: "ap-south-1" }),
    BUILD_TAG: `jenkins-smoke-${buildNumber}-${process.pid}`,
    BUILD_URL: "https://jenkins.example/job/ml/42/",
  };
}

function spawnRun(args: string[], onSpawn: (pid: number) => void, cwd = seedWorkspace()) {
  return runCli(runArgs(args, cwd), { cwd, env: buildEnv(), onSpawn }).then((result) => ({ ...result, cwd }));
}

function resultFile(cwd: string) {
  return JSON.parse(readFileSync(join(cwd, "result.json"), "utf8"));
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("the built binary under Jenkins' signals", () => {
  it("SIGTERM mid-run: exactly one StopExecution with the build URL, exit 143, result ABORTED", async () => {
    queueNeverEnding();
    let pid = 0;
    const running = spawnRun([], (p) => (pid = p));
    await waitFor(() => world.fake.callsTo("GetExecutionHistory").length >= 2);
    process.kill(pid, "SIGTERM");
    const result = await running;
    expect(result.code, result.stderr).toBe(143);
    expect(world.fake.callsTo("StopExecution")).toHaveLength(1);
    expect(world.sfn.stopCalls.at(-1)?.cause).toMatch(
      /Stopped by batchinf: build aborted \(SIGTERM\) in https:\/\/jenkins\.example\/job\/ml\/42\//,
    );
    expect(resultFile(result.cwd)).toMatchObject({
      status: "ABORTED",
      outcome: { exitCode: 143, reason: "interrupted" },
    });
  });

  it("the abort fits Jenkins' soft-kill window: 1.5 s latency on every call and a throttled StopExecution, exit 143 within 5 s, one stop, the result written", async () => {
    queueNeverEnding();
    let pid = 0;
    const running = spawnRun([], (p) => (pid = p));
    await waitFor(() => world.fake.callsTo("GetExecutionHistory").length >= 2);
    world.fake.faults.add({ kind: "latency", ms: 1500 });
    world.fake.faults.add({ operation: "StopExecution", kind: "throttle", count: 1 });
    // Let a poll be in flight, as it would be: the signal must not wait for it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const signalledAt = Date.now();
    process.kill(pid, "SIGTERM");
    const result = await running;
    const took = Date.now() - signalledAt;
    expect(result.code, result.stderr).toBe(143);
    expect(took).toBeLessThan(5_000);
    const stops = world.fake.callsTo("StopExecution");
    expect(stops.filter((call) => call.outcome === 200)).toHaveLength(1);
    expect(stops.some((call) => call.errorCode === "ThrottlingException")).toBe(true);
    const saved = resultFile(result.cwd);
    expect(saved.outcome).toMatchObject({ exitCode: 143, reason: "interrupted" });
    expect(saved.executionArn).toMatch(/:execution:batch-inference-DCP:/);
  }, 20_000);

  it("SIGTERM during the start with --no-wait still stops the execution once (exit 143)", async () => {
    queueNeverEnding();
    world.fake.faults.add({ operation: "StartExecution", kind: "latency", ms: 1500 });
    let pid = 0;
    const running = spawnRun(["--no-wait"], (p) => (pid = p));
    await waitFor(() => world.fake.calls.some((call) => call.operation === "StartExecution"));
    process.kill(pid, "SIGTERM");
    const result = await running;
    expect(result.code, result.stderr).toBe(143);
    expect(world.fake.callsTo("StopExecution")).toHaveLength(1);
    expect(resultFile(result.cwd)).toMatchObject({ status: "ABORTED" });
  });

  it("a run killed outright (SIGKILL) leaves the ARN in the result file; batchinf stop --result-file stops it once, then reports it ended", async () => {
    queueNeverEnding();
    let pid = 0;
    const cwd = seedWorkspace();
    const running = spawnRun([], (p) => (pid = p), cwd);
    await waitFor(() => world.fake.callsTo("GetExecutionHistory").length >= 2);
    process.kill(pid, "SIGKILL");
    await running;
    const arn = resultFile(cwd).executionArn as string;
    expect(world.sfn.getExecution(arn)?.status).toBe("RUNNING");
    const env = {
      ...world.fake.env({ region: "ap-south-1" }),
      BUILD_URL: "https://jenkins.example/job/ml/43/",
    };
    const stopped = await runCli(["stop", "--result-file", join(cwd, "result.json")], { cwd, env });
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stderr).toMatch(/Stopped execution .*: ABORTED/);
    expect(world.sfn.getExecution(arn)?.status).toBe("ABORTED");
    expect(world.sfn.stopCalls.at(-1)?.cause).toMatch(/in https:\/\/jenkins\.example\/job\/ml\/43\//);
    const again = await runCli(["stop", arn], { cwd, env });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already ended ABORTED; nothing to stop/);
    expect(world.fake.callsTo("StopExecution")).toHaveLength(1);
  });

  it("SIGTERM while SSM never answers: exit 143 within 5 s, nothing started", async () => {
    world.fake.faults.add({ operation: "GetParametersByPath", kind: "hang" });
    let pid = 0;
    const running = spawnRun([], (p) => (pid = p));
    await waitFor(() => world.fake.callsTo("GetParametersByPath").length > 0);
    const signalledAt = Date.now();
    process.kill(pid, "SIGTERM");
    const result = await running;
    expect(result.code, result.stderr).toBe(143);
    expect(Date.now() - signalledAt).toBeLessThan(5_000);
    expect(world.fake.callsTo("StartExecution")).toHaveLength(0);
    expect(resultFile(result.cwd)).toMatchObject({ status: "NOT_STARTED", outcome: { exitCode: 143 } });
  });

  it("SIGTERM while a StartExecution that took effect never answers: exit 143 within 5 s, the execution ABORTED", async () => {
    queueNeverEnding();
    world.fake.faults.add({ operation: "StartExecution", kind: "hang", takeEffect: true });
    const before = world.sfn.executions().length;
    let pid = 0;
    const running = spawnRun([], (p) => (pid = p));
    await waitFor(() => world.sfn.executions().length > before);
    const signalledAt = Date.now();
    process.kill(pid, "SIGTERM");
    const result = await running;
    expect(result.code, result.stderr).toBe(143);
    expect(Date.now() - signalledAt).toBeLessThan(5_000);
    const arn = resultFile(result.cwd).executionArn as string;
    expect(world.sfn.getExecution(arn)?.status).toBe("ABORTED");
    expect(world.fake.callsTo("StopExecution")).toHaveLength(1);
    expect(resultFile(result.cwd)).toMatchObject({ status: "ABORTED", outcome: { exitCode: 143 } });
  });

  it("SIGKILL while StartExecution is in flight (2 s latency): the result file already names it, batchinf stop --result-file stops it", async () => {
    queueNeverEnding();
    world.fake.faults.add({ operation: "StartExecution", kind: "latency", ms: 2_000 });
    let pid = 0;
    const cwd = seedWorkspace();
    const running = spawnRun([], (p) => (pid = p), cwd);
    await waitFor(() => world.fake.callsTo("StartExecution").length > 0);
    process.kill(pid, "SIGKILL");
    await running;
    const saved = resultFile(cwd);
    expect(saved).toMatchObject({ status: "STARTING" });
    const arn = saved.executionArn as string;
    expect(arn).toMatch(/:execution:batch-inference-DCP:DCP-20231014-jenkins-smoke-/);
    const stopped = await runCli(["stop", "--result-file", join(cwd, "result.json")], {
      cwd,
      env: { ...world.fake.env({ region: "ap-south-1" }), BUILD_URL: "https://jenkins.example/job/ml/43/" },
    });
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stderr).toMatch(/Stopped execution .*: ABORTED/);
    expect(world.sfn.getExecution(arn)?.status).toBe("ABORTED");
  });
});

/** `batchinf run ... 2>&1 | head -3`: the reader takes three lines of the log and goes away. */
function runIntoHead(args: string[], cwd = seedWorkspace()) {
  return new Promise<{ code: number | null; cwd: string; seen: string[] }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...runArgs(args, cwd)], {
      cwd,
      env: cleanEnv(buildEnv()),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const seen: string[] = [];
    let buffered = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 25_000);
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      if (seen.length >= 3) return;
      buffered += chunk;
      seen.push(
        ...buffered
          .split("\n")
          .slice(0, -1)
          .slice(0, 3 - seen.length),
      );
      buffered = buffered.slice(buffered.lastIndexOf("\n") + 1);
      if (seen.length >= 3) {
        child.stderr.destroy();
        child.stdout.destroy();
      }
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, cwd, seen });
    });
  });
}

describe("a reader that goes away (`run 2>&1 | head -3`)", () => {
  it("the run carries on to its end: exit 0 only because it succeeded, and a result file that says so", async () => {
    world.sfn.queueScript(STATE_MACHINE_ARN, pipelineSucceeds(FAST));
    const result = await runIntoHead([]);
    expect(result.seen).toHaveLength(3);
    expect(result.code).toBe(0);
    expect(world.fake.callsTo("StartExecution")).toHaveLength(1);
    expect(resultFile(result.cwd)).toMatchObject({
      status: "SUCCEEDED",
      outcome: { exitCode: 0, reason: "succeeded" },
    });
  });

  it("nothing started is never exit 0: a state machine that does not exist is exit 3, and the result file agrees", async () => {
    const result = await runIntoHead([
      "--state-machine-arn",
      "arn:aws:states:ap-south-1:731580992380:stateMachine:nope",
    ]);
    expect(result.code).toBe(3);
    expect(world.fake.callsTo("StartExecution")).toHaveLength(0);
    expect(resultFile(result.cwd)).toMatchObject({
      status: "NOT_STARTED",
      outcome: { exitCode: 3, reason: "error" },
    });
  });
});

describe("--assume-role in the built binary, on the wall clock the SDK keeps", () => {
  it("sessions that reach the renewal window within a second are renewed, one AssumeRole each, and no call is refused", async () => {
    const role = "arn:aws:iam::731580992380:role/batchinf-long-wait";
    world.sts.allowAssume(role);
    // 301 s sessions: inside the SDK's 5-minute window one second after they are handed out.
    world.sts.setSessionSeconds(301);
    const before = world.sts.assumed.length;
    world.sfn.queueScript(STATE_MACHINE_ARN, pipelineSucceeds({ glueMs: 600, batchMs: 600 }));
    try {
      const result = await spawnRun(["--assume-role", role], () => undefined);
      expect(result.code, result.stderr).toBe(0);
      const assumes = world.fake.callsTo("AssumeRole");
      expect(assumes.length).toBeGreaterThanOrEqual(3);
      expect(assumes.length).toBe(world.sts.assumed.length - before);
      expect(world.fake.calls.filter((call) => call.errorCode === "ExpiredTokenException")).toEqual([]);
      expect(resultFile(result.cwd).apiCalls.AssumeRole).toBe(assumes.length);
    } finally {
      world.sts.setSessionSeconds(undefined);
    }
  });
});

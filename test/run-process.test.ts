import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import {
  glueFailureCause,
  glueJobOf,
  glueRetriedFailure,
  PIPELINE_BATCH_STATE,
  PIPELINE_GLUE_JOBS,
  pipelineFailsAt,
  pipelineStates,
  pipelineSucceeds,
} from "./fake-aws/sfn-scenarios.js";
import { SEED_ACCOUNT, SSM_PATH, useFakeAws } from "./helpers/aws.js";
import { type CliResult, runCli } from "./helpers/cli.js";
import { SEED_DATE, seedSample, seedSsm, seedWorkspace } from "./helpers/seed.js";

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

/** The next execution runs its first state and never ends: for aborts and timeouts. */
function queueNeverEnding(): void {
  world.sfn.queueScript(STATE_MACHINE_ARN, {
    states: pipelineStates(FAST).slice(0, 1),
    outcome: "NEVER_ENDS",
  });
}

/** Spawn run, and once it is polling the history, send it a signal as Jenkins would. */
async function signalWhilePolling(args: string[], buildTag: string, signal: "SIGTERM" | "SIGINT") {
  let pid = 0;
  const running = run(args, { buildTag, onSpawn: (p) => (pid = p) });
  await waitFor(() => world.fake.callsTo("GetExecutionHistory").length >= 2);
  process.kill(pid, signal);
  return running;
}

/** A fresh Jenkins build: its own BUILD_TAG, so its own execution name. */
function nextBuildTag(): string {
  buildNumber += 1;
  return `jenkins-ml-batch-inference-${buildNumber}-${Date.now() % 100000}`;
}

const poll = ["--poll-interval", "50ms", "--max-poll-interval", "200ms"];

function run(
  args: string[],
  options: { buildTag: string; cwd?: string; env?: Record<string, string>; onSpawn?: (pid: number) => void },
) {
  const cwd = options.cwd ?? seedWorkspace();
  return runCli(
    [
      "run",
      "--ssm-path",
      SSM_PATH,
      "--date",
      SEED_DATE,
      ...poll,
      "--result-file",
      join(cwd, "result.json"),
      ...args,
    ],
    {
      cwd,
      env: {
        ...world.fake.env({ region: "ap-south-1" }),
        BUILD_TAG: options.buildTag,
        BUILD_URL: "https://jenkins.example/job/ml/42/",
        ...options.env,
      },
      ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
    },
  ).then((result) => ({ ...result, cwd }));
}

function resultFile(cwd: string) {
  return JSON.parse(readFileSync(join(cwd, "result.json"), "utf8"));
}

function lines(result: CliResult, pattern: RegExp): string[] {
  return result.stderr.split("\n").filter((line) => pattern.test(line));
}

describe("run: the Jenkins job", () => {
  it("follows a 6-state success (5 Glue jobs, then Batch): each state logged entering and ending, a complete result, one start", async () => {
    const buildTag = nextBuildTag();
    world.sfn.queueScript(STATE_MACHINE_ARN, pipelineSucceeds({ ...FAST, output: { predictions: 1234 } }));
    const result = await run([], { buildTag });
    expect(result.code, result.stderr).toBe(0);
    const states = [...PIPELINE_GLUE_JOBS.map(([state]) => state), PIPELINE_BATCH_STATE];
    for (const state of states) {
      expect(lines(result, new RegExp(`\\+\\d\\d:\\d\\d  ${state} entered`)), state).toHaveLength(1);
      expect(
        lines(result, new RegExp(`\\+\\d\\d:\\d\\d  ${state} succeeded in \\d+\\.\\ds`)),
        state,
      ).toHaveLength(1);
    }
    expect(result.stderr).toMatch(
      /Started execution arn:aws:states:ap-south-1:731580992380:execution:batch-inference-DCP:DCP-20231014-jenkins-ml-batch-inference-/,
    );
    expect(result.stderr).toMatch(
      /console: https:\/\/ap-south-1\.console\.aws\.amazon\.com\/states\/home\?region=ap-south-1#\/v2\/executions\/details\/arn:aws:states:/,
    );
    expect(result.stderr).toMatch(/Execution SUCCEEDED in/);
    expect(world.fake.callsTo("StartExecution")).toHaveLength(1);

    const saved = resultFile(result.cwd);
    expect(saved).toMatchObject({
      status: "SUCCEEDED",
      outcome: { exitCode: 0, reason: "succeeded" },
      stateMachineArn: STATE_MACHINE_ARN,
      name: expect.stringMatching(/^DCP-20231014-jenkins-ml-batch-inference-/),
      executionArn: expect.stringContaining(":execution:batch-inference-DCP:"),
      consoleUrl: expect.stringContaining("console.aws.amazon.com"),
      output: { predictions: 1234 },
      startDate: expect.any(String),
      stopDate: expect.any(String),
      durationMs: expect.any(Number),
    });
    expect(saved.input).toMatchObject({ ...seedSample(), aws_batch_job_name: "****" });
    expect(saved.history.events).toBeGreaterThan(20);
    expect(saved.history.fetched).toBeGreaterThanOrEqual(saved.history.events);
    expect(saved.apiCalls).toMatchObject({
      StartExecution: 1,
      DescribeStateMachine: 1,
      GetParametersByPath: 2,
    });
    expect(saved.states.map((s: { name: string }) => s.name)).toEqual(states);
    expect(
      saved.states.every(
        (s: { status: string; durationMs: number }) => s.status === "succeeded" && s.durationMs > 0,
      ),
    ).toBe(true);
    // The real input went to Step Functions, the secret included; the result file masks it.
    const sent = JSON.parse(String(world.fake.callsTo("StartExecution")[0]?.input.input));
    expect(sent).toEqual(seedSample());
  });

  it("blames the 3rd Glue job, not the 2nd that failed once and recovered (exit 1)", async () => {
    const buildTag = nextBuildTag();
    const failing = PIPELINE_GLUE_JOBS[2]?.[0] as string;
    const recovered = PIPELINE_GLUE_JOBS[1]?.[0] as string;
    world.sfn.queueScript(
      STATE_MACHINE_ARN,
      pipelineFailsAt(
        {
          state: failing,
          error: "States.TaskFailed",
          cause: glueFailureCause({
            jobName: glueJobOf(failing),
            errorMessage:
              "AnalysisException: Path does not exist: s3://msil-poc-apsouth1-internal/mapping_json/mapping_json.json",
          }),
        },
        {
          ...FAST,
          retries: {
            [recovered]: [
              {
                ...glueRetriedFailure(glueJobOf(recovered), "Connection reset by peer", 60),
                retryIntervalMs: 30,
              },
            ],
          },
        },
      ),
    );
    const result = await run([], { buildTag });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`error: Execution FAILED at state ${failing}: States.TaskFailed`),
    );
    expect(result.stderr).toMatch(/Glue job DCP-batch-inference-mapping run jr_\w+: FAILED/);
    expect(result.stderr).toMatch(/AnalysisException: Path does not exist/);
    expect(result.stderr).toMatch(new RegExp(`${recovered} retrying \\(attempt 2\\)`));
    expect(result.stderr).toMatch(new RegExp(`${recovered} succeeded in .*\\(2 attempts\\)`));
    expect(result.stderr).not.toMatch(new RegExp(`FAILED at state ${recovered}`));
    expect(resultFile(result.cwd)).toMatchObject({
      status: "FAILED",
      failedState: failing,
      error: "States.TaskFailed",
      outcome: { exitCode: 1 },
    });
  });

  it("reports a failure routed by Catch into a Fail state against the task that failed", async () => {
    const buildTag = nextBuildTag();
    world.sfn.queueScript(
      STATE_MACHINE_ARN,
      pipelineFailsAt(
        {
          state: PIPELINE_BATCH_STATE,
          error: "States.TaskFailed",
          cause: JSON.stringify({
            JobId: "a1b2",
            JobName: "aws_demo_batch_run",
            Status: "FAILED",
            StatusReason: "Essential container in task exited",
            Container: { ExitCode: 137 },
          }),
          catchTo: "NotifyFailure",
        },
        FAST,
      ),
    );
    const result = await run([], { buildTag });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/FAILED at state RunBatchInference \(caught, then NotifyFailure\)/);
    expect(result.stderr).toMatch(/Batch job \*\*\*\* \(a1b2\): FAILED, exit code 137/);
    expect(result.stderr).toMatch(/status reason: Essential container in task exited/);
  });

  it("TIMED_OUT exits 1 with States.Timeout", async () => {
    const buildTag = nextBuildTag();
    world.sfn.queueScript(STATE_MACHINE_ARN, {
      states: pipelineStates(FAST).slice(0, 2),
      outcome: "TIMED_OUT",
    });
    const result = await run([], { buildTag });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: Execution TIMED_OUT at state PrepareFeatures: States.Timeout/);
    expect(resultFile(result.cwd)).toMatchObject({ status: "TIMED_OUT", error: "States.Timeout" });
  });

  it("the same BUILD_TAG while running attaches; after success it exits 0 without a start; a changed input exits 2 naming the keys", async () => {
    const buildTag = nextBuildTag();
    world.sfn.queueScript(STATE_MACHINE_ARN, pipelineSucceeds({ glueMs: 400, batchMs: 600 }));
    const cwd = seedWorkspace();
    const first = run([], { buildTag, cwd });
    await waitFor(() => world.sfn.executions().some((e) => e.name.includes(buildTag)));
    const second = await run([], { buildTag });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/already RUNNING with this input; attaching to it/);
    expect((await first).code).toBe(0);
    expect(world.sfn.executions().filter((e) => e.name.includes(buildTag))).toHaveLength(1);

    const startsBefore = world.sfn.startCount();
    const again = await run([], { buildTag });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already SUCCEEDED with this input; nothing to do/);
    expect(world.sfn.startCount()).toBe(startsBefore);

    const changed = await run(["--set", "dq_table=other_table", "--set", "athenadb_name=other_db"], {
      buildTag,
    });
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(
      /already exists \(SUCCEEDED\) with a different input \(athenadb_name, dq_table\); nothing was started/,
    );
    expect(changed.stderr).toMatch(
      /dq_table: the existing execution has "dqresults", this run has "other_table"/,
    );
    expect(world.sfn.startCount()).toBe(startsBefore);
  });

  it("a failed execution of the same name exits 1 with the redrive hint; --redrive resumes it", async () => {
    const buildTag = nextBuildTag();
    const failing = PIPELINE_GLUE_JOBS[3]?.[0] as string;
    world.sfn.queueScript(
      STATE_MACHINE_ARN,
      pipelineFailsAt({ state: failing, error: "States.TaskFailed", cause: "{}" }, FAST),
    );
    const cwd = seedWorkspace();
    expect((await run([], { buildTag, cwd })).code).toBe(1);
    const hint = await run([], { buildTag, cwd });
    expect(hint.code).toBe(1);
    expect(resultFile(hint.cwd)).toMatchObject({
      status: "FAILED",
      executionArn: expect.stringContaining(buildTag),
      outcome: { exitCode: 1, reason: "failed" },
    });
    expect(hint.stderr).toMatch(
      /already ended FAILED with this input \(States.TaskFailed\); pass --redrive to resume it from the failed state, or --execution-name NEW/,
    );
    const redriven = await run(["--redrive"], { buildTag, cwd });
    expect(redriven.code, redriven.stderr).toBe(0);
    expect(redriven.stderr).toMatch(/Redriving execution .* \(--redrive\)/);
    expect(redriven.stderr).toMatch(/Execution SUCCEEDED/);
    expect(world.fake.callsTo("RedriveExecution")).toHaveLength(1);
  });

  it("rides out DescribeExecution's eventual consistency after the start", async () => {
    const buildTag = nextBuildTag();
    world.sfn.setDescribeLag(2);
    world.sfn.queueScript(STATE_MACHINE_ARN, pipelineSucceeds(FAST));
    try {
      const result = await run([], { buildTag });
      expect(result.code, result.stderr).toBe(0);
      expect(
        world.fake.callsTo("DescribeExecution").filter((call) => call.errorCode === "ExecutionDoesNotExist")
          .length,
      ).toBeGreaterThan(0);
      expect(resultFile(result.cwd)).toMatchObject({ status: "SUCCEEDED" });
    } finally {
      world.sfn.setDescribeLag(0);
    }
  });

  it("SIGTERM mid-run: exactly one StopExecution with the build URL, exit 143, result ABORTED", async () => {
    const buildTag = nextBuildTag();
    queueNeverEnding();
    const result = await signalWhilePolling([], buildTag, "SIGTERM");
    expect(result.code).toBe(143);
    expect(world.fake.callsTo("StopExecution")).toHaveLength(1);
    expect(world.sfn.stopCalls.at(-1)?.cause).toMatch(
      /Stopped by batchinf: build aborted \(SIGTERM\) in https:\/\/jenkins\.example\/job\/ml\/42\//,
    );
    expect(resultFile(result.cwd)).toMatchObject({
      status: "ABORTED",
      outcome: { exitCode: 143, reason: "interrupted" },
    });
  });

  it("SIGTERM during the start with --no-wait still stops the execution once (exit 143)", async () => {
    const buildTag = nextBuildTag();
    queueNeverEnding();
    world.fake.faults.add({ operation: "StartExecution", kind: "latency", ms: 1500 });
    let pid = 0;
    const running = run(["--no-wait"], { buildTag, onSpawn: (p) => (pid = p) });
    await waitFor(() => world.fake.calls.some((call) => call.operation === "DescribeExecution"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.kill(pid, "SIGTERM");
    const result = await running;
    expect(result.code).toBe(143);
    expect(world.fake.callsTo("StopExecution")).toHaveLength(1);
    expect(resultFile(result.cwd)).toMatchObject({ status: "ABORTED" });
  });

  it("a StopExecution that fails on abort is reported, and the exit code stays 143", async () => {
    const buildTag = nextBuildTag();
    queueNeverEnding();
    world.fake.faults.add({ operation: "StopExecution", kind: "accessDenied" });
    const result = await signalWhilePolling([], buildTag, "SIGTERM");
    expect(result.code).toBe(143);
    expect(result.stderr).toMatch(/Access denied to states:StopExecution .*The execution is still running\./);
    expect(resultFile(result.cwd)).toMatchObject({ status: "RUNNING", outcome: { exitCode: 143 } });
  });

  it("an unwritable --result-file is refused before anything starts (exit 2)", async () => {
    const cwd = seedWorkspace();
    const result = await runCli(
      [
        "run",
        "--ssm-path",
        SSM_PATH,
        "--date",
        SEED_DATE,
        "--result-file",
        join(cwd, "no-such-dir", "result.json"),
      ],
      { cwd, env: { ...world.fake.env({ region: "ap-south-1" }), BUILD_TAG: nextBuildTag() } },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Cannot write --result-file .*no-such-dir\/result\.json/);
    expect(world.fake.calls).toHaveLength(0);
  });

  it("--on-abort detach leaves the execution running on SIGINT (exit 130)", async () => {
    const buildTag = nextBuildTag();
    queueNeverEnding();
    const result = await signalWhilePolling(["--on-abort", "detach"], buildTag, "SIGINT");
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/detaching \(--on-abort detach\): the execution keeps running/);
    expect(world.fake.callsTo("StopExecution")).toHaveLength(0);
    expect(resultFile(result.cwd)).toMatchObject({
      status: "RUNNING",
      outcome: { exitCode: 130, reason: "detached" },
    });
  });

  it("1 call in 3 throttled, 1 in 5 answered 500, 1 in 10 dropped: still exit 0 with the right result", async () => {
    const buildTag = nextBuildTag();
    world.sfn.queueScript(STATE_MACHINE_ARN, pipelineSucceeds(FAST));
    world.fake.faults.add({ kind: "throttle", every: 3 });
    world.fake.faults.add({ kind: "http500", every: 5 });
    world.fake.faults.add({ kind: "drop", every: 10 });
    const result = await run([], { buildTag });
    expect(result.code, result.stderr).toBe(0);
    expect(resultFile(result.cwd)).toMatchObject({ status: "SUCCEEDED" });
    expect(world.fake.callsTo("StartExecution").filter((call) => call.outcome === 200)).toHaveLength(1);
    const outcomes = world.fake.calls.map((call) => call.outcome);
    expect(outcomes).toContain(500);
    expect(outcomes).toContain("dropped");
    expect(world.fake.calls.some((call) => call.errorCode === "ThrottlingException")).toBe(true);
    // One execution, whatever the retries did.
    expect(world.sfn.executions().filter((e) => e.name.includes(buildTag))).toHaveLength(1);
  }, 60_000);

  it("--timeout 3s on a never-ending execution exits 4 and leaves it running; --stop-on-timeout stops it", async () => {
    queueNeverEnding();
    const left = await run(["--timeout", "3s"], { buildTag: nextBuildTag() });
    expect(left.code).toBe(4);
    expect(left.stderr).toMatch(/--timeout 3\.0s reached; the execution keeps running/);
    const leftArn = resultFile(left.cwd).executionArn;
    expect(world.sfn.getExecution(leftArn)?.status).toBe("RUNNING");

    queueNeverEnding();
    const stopped = await run(["--timeout", "3s", "--stop-on-timeout"], { buildTag: nextBuildTag() });
    expect(stopped.code).toBe(4);
    expect(world.sfn.getExecution(resultFile(stopped.cwd).executionArn)?.status).toBe("ABORTED");
    expect(resultFile(stopped.cwd)).toMatchObject({
      status: "ABORTED",
      outcome: { exitCode: 4, reason: "timeout" },
    });
  }, 30_000);

  it("invalid input: exit 2 and zero StartExecution calls", async () => {
    const result = await run(["--set", "region=ap-south-2"], { buildTag: nextBuildTag() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is in region ap-south-1 but the input's region is ap-south-2/);
    expect(world.fake.callsTo("StartExecution")).toHaveLength(0);
    expect(resultFile(result.cwd)).toMatchObject({
      status: "NOT_STARTED",
      outcome: { exitCode: 2, reason: "not-started" },
    });
  });

  it("contradictory poll flags are refused before anything starts (exit 2)", async () => {
    const result = await run(["--poll-interval", "30s", "--max-poll-interval", "10s"], {
      buildTag: nextBuildTag(),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--max-poll-interval 10\.0s is shorter than --poll-interval 30\.0s/);
    expect(world.fake.calls).toHaveLength(0);
  });

  it("--dry-run does everything but StartExecution and prints what it would send", async () => {
    const result = await run(["--dry-run", "--show-secrets"], { buildTag: nextBuildTag() });
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed).toMatchObject({ stateMachineArn: STATE_MACHINE_ARN, input: seedSample() });
    expect(printed.name).toMatch(/^DCP-20231014-jenkins-ml-batch-inference-\d+-\d+$/);
    expect(world.fake.callsTo("DescribeStateMachine")).toHaveLength(1);
    expect(world.fake.callsTo("StartExecution")).toHaveLength(0);
  });

  it("--no-wait starts, prints the execution and exits 0", async () => {
    world.sfn.queueScript(STATE_MACHINE_ARN, pipelineSucceeds(FAST));
    const result = await run(["--no-wait", "--output", "json"], { buildTag: nextBuildTag() });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      status: "RUNNING",
      outcome: { reason: "started" },
      executionArn: expect.stringContaining(":execution:"),
    });
    expect(world.fake.callsTo("GetExecutionHistory")).toHaveLength(0);
  });

  it("a state machine that does not exist: exit 3, nothing started", async () => {
    const result = await run(
      ["--state-machine-arn", `arn:aws:states:ap-south-1:${SEED_ACCOUNT}:stateMachine:nope`],
      { buildTag: nextBuildTag() },
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /State machine arn:aws:states:ap-south-1:731580992380:stateMachine:nope does not exist in ap-south-1/,
    );
    expect(world.fake.callsTo("StartExecution")).toHaveLength(0);
  });

  it("a malformed state machine ARN: exit 2 before any Step Functions call", async () => {
    const result = await run(["--state-machine-arn", "arn:aws:states:ap-south-1:123:stateMachine:x"], {
      buildTag: nextBuildTag(),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /State machine ARN 'arn:aws:states:ap-south-1:123:stateMachine:x' is malformed/,
    );
    expect(world.fake.calls.filter((call) => call.service === "AWSStepFunctions")).toHaveLength(0);
  });
});

describe("wait <execution-arn>", () => {
  it("attaches to a running execution and follows it as run does", async () => {
    world.sfn.queueScript(STATE_MACHINE_ARN, pipelineSucceeds(FAST));
    const started = await run(["--no-wait", "--output", "json"], { buildTag: nextBuildTag() });
    const arn = JSON.parse(started.stdout).executionArn as string;
    const cwd = seedWorkspace();
    const result = await runCli(["wait", arn, ...poll, "--output", "json"], {
      cwd,
      env: world.fake.env({ region: "ap-south-1" }),
    });
    expect(result.code, result.stderr).toBe(0);
    const waited = JSON.parse(result.stdout);
    expect(waited).toMatchObject({ status: "SUCCEEDED", executionArn: arn });
    expect(result.stderr).toMatch(/RunBatchInference succeeded/);
    // wait cannot tell SecureString values apart: no input unless asked for.
    expect(waited.input).toBeUndefined();
    expect(result.stdout).not.toContain("aws_demo_batch_run");
    const shown = await runCli(["wait", arn, ...poll, "--output", "json", "--show-secrets"], {
      cwd,
      env: world.fake.env({ region: "ap-south-1" }),
    });
    expect(JSON.parse(shown.stdout).input).toEqual(seedSample());
  });

  it("refuses something that is not an execution ARN (exit 2)", async () => {
    const result = await runCli(["wait", "not-an-arn"], { env: world.fake.env({ region: "ap-south-1" }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/'not-an-arn' is not a Step Functions execution ARN/);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
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
import { SEED_ACCOUNT } from "./helpers/aws.js";
import type { CliResult } from "./helpers/cli.js";
import { type FastRun, nextBuildTag, runFast, useFastWorld } from "./helpers/fast-world.js";
import { seedSample, seedWorkspace } from "./helpers/seed.js";

// The run command in-process against the local endpoint on a virtual clock:
// real SDK clients and HTTP, no wall-clock waiting. Pipelines last minutes of
// virtual time, as real ones do.
const world = useFastWorld();
const MINUTES = { glueMs: 4 * 60_000, batchMs: 12 * 60_000 };
let machineAdded = false;

function setUp(): string {
  if (!machineAdded) {
    world.sfn.addStateMachine({ name: "batch-inference-DCP", script: pipelineSucceeds(MINUTES) });
    machineAdded = true;
  }
  return world.stateMachineArn;
}

function run(args: string[], options: { buildTag?: string; cwd?: string } = {}): Promise<FastRun> {
  setUp();
  const cwd = options.cwd ?? seedWorkspace();
  return runFast(world, ["run", "--result-file", join(cwd, "result.json"), ...args], { ...options, cwd });
}

function resultFile(cwd: string) {
  return JSON.parse(readFileSync(join(cwd, "result.json"), "utf8"));
}

function lines(result: CliResult, pattern: RegExp): string[] {
  return result.stderr.split("\n").filter((line) => pattern.test(line));
}

/** The next execution runs its first state and never ends: for aborts and timeouts. */
function queueNeverEnding(): void {
  world.sfn.queueScript(setUp(), { states: pipelineStates(MINUTES).slice(0, 1), outcome: "NEVER_ENDS" });
}

/** Fire a signal once the command is polling the history, as Jenkins' abort would arrive. */
function signalWhilePolling(signal: "SIGINT" | "SIGTERM"): void {
  world.onSleep = () => {
    if (world.fake.callsTo("GetExecutionHistory").length >= 2) {
      world.onSleep = undefined;
      world.signals.fire(signal);
    }
  };
}

describe("run: the Jenkins job", () => {
  it("follows a 6-state success (5 Glue jobs, then Batch): each state logged entering and ending, a complete result, one start", async () => {
    world.sfn.queueScript(setUp(), pipelineSucceeds({ ...MINUTES, output: { predictions: 1234 } }));
    const result = await run([]);
    expect(result.code, result.stderr).toBe(0);
    const states = [...PIPELINE_GLUE_JOBS.map(([state]) => state), PIPELINE_BATCH_STATE];
    for (const state of states) {
      expect(lines(result, new RegExp(`\\+\\d\\d:\\d\\d  ${state} entered`)), state).toHaveLength(1);
      expect(
        lines(result, new RegExp(`\\+\\d\\d:\\d\\d  ${state} succeeded in \\d+m\\d\\ds`)),
        state,
      ).toHaveLength(1);
    }
    expect(result.stderr).toMatch(/Glue job run jr_\w+ \(DCP-batch-inference-dq-check\)/);
    expect(result.stderr).toMatch(
      /Started execution arn:aws:states:ap-south-1:731580992380:execution:batch-inference-DCP:DCP-20231014-jenkins-ml-batch-inference-/,
    );
    expect(result.stderr).toMatch(
      /console: https:\/\/ap-south-1\.console\.aws\.amazon\.com\/states\/home\?region=ap-south-1#\/v2\/executions\/details\/arn:aws:states:/,
    );
    expect(result.stderr).toMatch(/Execution SUCCEEDED in 32m00s/);
    expect(world.fake.callsTo("StartExecution")).toHaveLength(1);

    const saved = resultFile(result.cwd);
    expect(saved).toMatchObject({
      status: "SUCCEEDED",
      outcome: { exitCode: 0, reason: "succeeded" },
      stateMachineArn: world.stateMachineArn,
      name: expect.stringMatching(/^DCP-20231014-jenkins-ml-batch-inference-/),
      executionArn: expect.stringContaining(":execution:batch-inference-DCP:"),
      consoleUrl: expect.stringContaining("console.aws.amazon.com"),
      output: { predictions: 1234 },
      startDate: expect.any(String),
      stopDate: expect.any(String),
      durationMs: 32 * 60_000,
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
    const failing = PIPELINE_GLUE_JOBS[2]?.[0] as string;
    const recovered = PIPELINE_GLUE_JOBS[1]?.[0] as string;
    world.sfn.queueScript(
      setUp(),
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
          ...MINUTES,
          retries: { [recovered]: [glueRetriedFailure(glueJobOf(recovered), "Connection reset by peer")] },
        },
      ),
    );
    const result = await run([]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`error: Execution FAILED at state ${failing}: States.TaskFailed`),
    );
    expect(result.stderr).toMatch(/Glue job DCP-batch-inference-mapping run jr_\w+: FAILED/);
    expect(result.stderr).toMatch(/AnalysisException: Path does not exist/);
    expect(result.stderr).toMatch(new RegExp(`${recovered} attempt 1 failed: States.TaskFailed`));
    expect(result.stderr).toMatch(new RegExp(`${recovered} retrying \\(attempt 2\\)`));
    expect(result.stderr).toMatch(new RegExp(`${recovered} succeeded in .*\\(2 attempts\\)`));
    expect(result.stderr).not.toMatch(new RegExp(`FAILED at state ${recovered}`));
    // Said plainly after "attempt 1 failed": no retry came, the execution ended ("ended unfinished" confused newcomers).
    const told = lines(result, new RegExp(`  ${failing} (attempt|failed)`)).map((line) =>
      line.replace(/^\+[\d:]+ +/, ""),
    );
    expect(told).toEqual([
      expect.stringMatching(new RegExp(`^${failing} attempt 1 failed: States\\.TaskFailed`)),
      `${failing} failed after 4m00s: its attempt failed and no retry followed (the execution ended FAILED)`,
    ]);
    expect(result.stderr).not.toMatch(/ended unfinished/);
    expect(resultFile(result.cwd)).toMatchObject({
      status: "FAILED",
      failedState: failing,
      error: "States.TaskFailed",
      outcome: { exitCode: 1 },
    });
  });

  it("reports a failure routed by Catch into a Fail state against the task that failed", async () => {
    world.sfn.queueScript(
      setUp(),
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
        MINUTES,
      ),
    );
    const result = await run([]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/FAILED at state RunBatchInference \(caught, then NotifyFailure\)/);
    expect(result.stderr).toMatch(
      /RunBatchInference failed after \d+m\d\ds; a Catch moved on to the next state/,
    );
    expect(result.stderr).toMatch(/Batch job \*\*\*\* \(a1b2\): FAILED, exit code 137/);
    expect(result.stderr).toMatch(/status reason: Essential container in task exited/);
  });

  it("TIMED_OUT exits 1 with States.Timeout", async () => {
    world.sfn.queueScript(setUp(), { states: pipelineStates(MINUTES).slice(0, 2), outcome: "TIMED_OUT" });
    const result = await run([]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: Execution TIMED_OUT at state PrepareFeatures: States.Timeout/);
    expect(result.stderr).toMatch(
      /PrepareFeatures stopped after \d+m\d\ds without finishing: the execution ended TIMED_OUT while it ran/,
    );
    expect(resultFile(result.cwd)).toMatchObject({ status: "TIMED_OUT", error: "States.Timeout" });
  });

  it("the same BUILD_TAG while running attaches; after success it exits 0 without a start; a changed input exits 2 naming the keys", async () => {
    const buildTag = nextBuildTag();
    world.sfn.queueScript(setUp(), pipelineSucceeds(MINUTES));
    const first = run([], { buildTag });
    // The second build starts once the first is polling.
    const second = new Promise<FastRun>((resolve) => {
      world.onSleep = () => {
        if (world.fake.callsTo("GetExecutionHistory").length < 2) return;
        world.onSleep = undefined;
        resolve(run([], { buildTag }));
      };
    });
    const [firstResult, secondResult] = await Promise.all([first, second]);
    expect(secondResult.code, secondResult.stderr).toBe(0);
    expect(secondResult.stderr).toMatch(/Attached to execution \(RUNNING, started /);
    expect(firstResult.code).toBe(0);
    expect(world.sfn.executions().filter((e) => e.name.includes(buildTag))).toHaveLength(1);

    const startsBefore = world.sfn.startCount();
    const again = await run([], { buildTag });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already ended SUCCEEDED with this input; nothing to do/);
    expect(world.sfn.startCount()).toBe(startsBefore);
    // The reports still show what ran.
    expect(resultFile(again.cwd).states).toHaveLength(6);

    // What differs is under test; other_db exists nowhere, so preflight would refuse it first (exit 3).
    const changed = await run(
      ["--set", "dq_table=other_table", "--set", "athenadb_name=other_db", "--preflight", "off"],
      { buildTag },
    );
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(
      /already exists \(SUCCEEDED\) with a different input \(athenadb_name, dq_table\); nothing was started/,
    );
    expect(changed.stderr).toMatch(
      /dq_table: the existing execution has "dqresults", this run has "other_table"/,
    );
    expect(world.sfn.startCount()).toBe(startsBefore);
  });

  it("a failed execution of the same name exits 1 with the redrive hint; --redrive resumes it, and a second --redrive after another failure redrives again", async () => {
    const buildTag = nextBuildTag();
    const failing = PIPELINE_GLUE_JOBS[3]?.[0] as string;
    world.sfn.queueScript(
      setUp(),
      pipelineFailsAt({ state: failing, error: "States.TaskFailed", cause: "{}" }, MINUTES),
    );
    const cwd = seedWorkspace();
    expect((await run([], { buildTag, cwd })).code).toBe(1);
    const hint = await run([], { buildTag, cwd });
    expect(hint.code).toBe(1);
    expect(resultFile(hint.cwd)).toMatchObject({
      status: "FAILED",
      executionArn: expect.stringContaining(buildTag),
      failedState: failing,
      outcome: { exitCode: 1, reason: "failed" },
    });
    expect(hint.stderr).toMatch(
      /already ended FAILED with this input; pass --redrive to resume it from the failed state, or --execution-name NEW/,
    );
    const arn = resultFile(hint.cwd).executionArn as string;
    // The first redrive fails again at the same state...
    world.sfn.queueRedriveScript(arn, {
      states: pipelineStates(MINUTES).slice(3),
      outcome: { fail: { state: failing, error: "States.TaskFailed", cause: "{}" } },
    });
    const redriven = await run(["--redrive"], { buildTag, cwd });
    expect(redriven.code, redriven.stderr).toBe(1);
    expect(redriven.stderr).toMatch(/Redriving execution \(--redrive\) /);
    // ...and a second --redrive within the 15-minute token window still redrives.
    const again = await run(["--redrive"], { buildTag, cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/Execution SUCCEEDED/);
    const tokens = world.fake.callsTo("RedriveExecution").map((call) => call.input.clientToken);
    expect(tokens).toHaveLength(2);
    expect(new Set(tokens).size).toBe(2);
    expect(world.sfn.getExecution(arn)?.redriveCount).toBe(2);
  });

  it("rides out DescribeExecution's eventual consistency after the start", async () => {
    world.sfn.setDescribeLag(2);
    world.sfn.queueScript(setUp(), pipelineSucceeds(MINUTES));
    try {
      const result = await run([]);
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
    queueNeverEnding();
    signalWhilePolling("SIGTERM");
    const result = await run([]);
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

  it("a StopExecution that fails on abort is reported, and the exit code stays 143", async () => {
    queueNeverEnding();
    world.fake.faults.add({ operation: "StopExecution", kind: "accessDenied" });
    signalWhilePolling("SIGTERM");
    const result = await run([]);
    expect(result.code).toBe(143);
    expect(result.stderr).toMatch(
      /Access denied to states:StopExecution .*check the execution in the console\./,
    );
    expect(resultFile(result.cwd)).toMatchObject({ status: "RUNNING", outcome: { exitCode: 143 } });
  });

  it("an unwritable --result-file is refused before anything starts (exit 2)", async () => {
    setUp();
    const cwd = seedWorkspace();
    const result = await runFast(world, ["run", "--result-file", join(cwd, "no-such-dir", "result.json")], {
      cwd,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /--result-file .*no-such-dir\/result\.json: its directory .*no-such-dir does not exist/,
    );
    expect(world.fake.calls).toHaveLength(0);
  });

  it("--on-abort detach leaves the execution running on SIGINT (exit 130)", async () => {
    queueNeverEnding();
    signalWhilePolling("SIGINT");
    const result = await run(["--on-abort", "detach"]);
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
    // Short states: every retry the SDK makes waits on the wall clock.
    world.sfn.queueScript(setUp(), pipelineSucceeds({ glueMs: 120, batchMs: 240 }));
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

  it("--timeout on a never-ending execution exits 4 and leaves it running; --stop-on-timeout stops it", async () => {
    queueNeverEnding();
    const left = await run(["--timeout", "30m"]);
    expect(left.code).toBe(4);
    expect(left.stderr).toMatch(/--timeout 30m00s reached; the execution keeps running/);
    const leftArn = resultFile(left.cwd).executionArn;
    expect(world.sfn.getExecution(leftArn)?.status).toBe("RUNNING");

    queueNeverEnding();
    const stopped = await run(["--timeout", "30m", "--stop-on-timeout"]);
    expect(stopped.code).toBe(4);
    expect(world.sfn.getExecution(resultFile(stopped.cwd).executionArn)?.status).toBe("ABORTED");
    expect(resultFile(stopped.cwd)).toMatchObject({
      status: "ABORTED",
      outcome: { exitCode: 4, reason: "timeout" },
    });
  });

  it("invalid input: exit 2 and zero StartExecution calls", async () => {
    const result = await run(["--set", "region=ap-south-2"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is in region ap-south-1 but the input's region is ap-south-2/);
    expect(world.fake.callsTo("StartExecution")).toHaveLength(0);
    expect(resultFile(result.cwd)).toMatchObject({
      status: "NOT_STARTED",
      outcome: { exitCode: 2, reason: "invalid-input" },
    });
  });

  it("Batch ARNs in another account than the state machine: exit 2 before anything starts (v1: started, failed hours later at the Batch step)", async () => {
    const result = await run([
      "--set",
      "aws_batch_job_queue=arn:aws:batch:ap-south-1:111122223333:job-queue/test-training",
      "--set",
      "aws_batch_job_definition_arn=arn:aws:batch:ap-south-1:111122223333:job-definition/test-training:3",
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/does not fit state machine .*nothing was started/);
    expect(result.stderr).toMatch(
      /aws_batch_job_queue .*is in account 111122223333 but the state machine is in 731580992380/,
    );
    expect(world.fake.callsTo("StartExecution")).toHaveLength(0);
    // The other account's topic exists (preflight looks at it too).
    world.preflight.sns.createTopic("arn:aws:sns:ap-south-1:111122223333:model_start_dq_notification");
    const topic = await run([
      "--set",
      "email_topic_arn=arn:aws:sns:ap-south-1:111122223333:model_start_dq_notification",
      "--dry-run",
    ]);
    expect(topic.code).toBe(0);
    expect(topic.stderr).toMatch(
      /warning: email_topic_arn .*publishing across accounts needs a topic policy/,
    );
    expect(topic.stderr).not.toContain("warning: warning:");
  });

  it("contradictory poll flags are refused before anything starts (exit 2), naming the variable they came from", async () => {
    const result = await run(["--poll-interval", "30s", "--max-poll-interval", "10s"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--poll-interval 30\.0s is longer than --max-poll-interval 10\.0s/);
    const fromEnv = await runFast(world, ["run", "--poll-interval", "30s"], {
      env: { BATCHINF_MAX_POLL_INTERVAL: "10s" },
    });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toMatch(/--poll-interval 30\.0s is longer than BATCHINF_MAX_POLL_INTERVAL 10\.0s/);
    const tooLong = await run(["--max-poll-interval", "2h"]);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toMatch(/--max-poll-interval 2h00m00s is longer than 1h/);
    expect(world.fake.calls).toHaveLength(0);
  });

  it("--dry-run does everything but StartExecution and prints what it would send; with --output json only the result", async () => {
    const result = await run(["--dry-run", "--show-secrets"]);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed).toMatchObject({ stateMachineArn: world.stateMachineArn, input: seedSample() });
    expect(printed.name).toMatch(/^DCP-20231014-jenkins-ml-batch-inference-\d+-\d+$/);
    expect(world.fake.callsTo("DescribeStateMachine")).toHaveLength(1);
    expect(world.fake.callsTo("StartExecution")).toHaveLength(0);
    const json = await run(["--dry-run", "--output", "json"]);
    expect(json.code).toBe(0);
    // One JSON document, not two.
    expect(JSON.parse(json.stdout)).toMatchObject({ status: "NOT_STARTED", outcome: { reason: "dry-run" } });
  });

  it("--no-wait starts, prints the execution and exits 0; its JUnit report has no error or failure", async () => {
    world.sfn.queueScript(setUp(), pipelineSucceeds(MINUTES));
    const cwd = seedWorkspace();
    const junit = join(cwd, "run.xml");
    const result = await run(["--no-wait", "--output", "json", "--junit", junit], { cwd });
    expect(result.code).toBe(0);
    const xml = readFileSync(junit, "utf8");
    expect(xml).toMatch(/<testsuites [^>]*failures="0" errors="0"/);
    expect(xml).toMatch(/<skipped message="started and not followed \(--no-wait\)/);
    expect(JSON.parse(result.stdout)).toMatchObject({
      status: "RUNNING",
      outcome: { reason: "started" },
      executionArn: expect.stringContaining(":execution:"),
    });
    expect(world.fake.callsTo("GetExecutionHistory")).toHaveLength(0);
  });

  it("a state machine that does not exist: exit 3, nothing started", async () => {
    const result = await run([
      "--state-machine-arn",
      `arn:aws:states:ap-south-1:${SEED_ACCOUNT}:stateMachine:nope`,
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /State machine arn:aws:states:ap-south-1:731580992380:stateMachine:nope does not exist in ap-south-1/,
    );
    expect(world.fake.callsTo("StartExecution")).toHaveLength(0);
  });

  it("a malformed state machine ARN: exit 2 before any Step Functions call", async () => {
    const result = await run(["--state-machine-arn", "arn:aws:states:ap-south-1:123:stateMachine:x"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /--state-machine-arn 'arn:aws:states:ap-south-1:123:stateMachine:x' is not a state machine ARN/,
    );
    expect(world.fake.calls.filter((call) => call.service === "AWSStepFunctions")).toHaveLength(0);
  });

  it("writes the execution ARN to the result file as soon as it is known", async () => {
    queueNeverEnding();
    const cwd = seedWorkspace();
    let early: { status?: string; executionArn?: string } | undefined;
    world.onSleep = () => {
      if (world.fake.callsTo("GetExecutionHistory").length < 1) return;
      world.onSleep = undefined;
      // The write is asynchronous; give it the moment a killed process would have had.
      setTimeout(() => {
        early = resultFile(cwd);
        world.signals.fire("SIGTERM");
      }, 100);
    };
    const result = await run([], { cwd });
    expect(result.code).toBe(143);
    expect(early).toMatchObject({ status: "RUNNING", executionArn: expect.stringContaining(":execution:") });
  });
});

describe("run: state machine versions and aliases", () => {
  it("an alias ARN: the execution ARN is the machine's, a rerun attaches or reports, the result names the version and the alias", async () => {
    const base = setUp();
    const version = world.sfn.publishVersion(base);
    const alias = world.sfn.addAlias(base, "prod", version);
    world.sfn.queueScript(base, pipelineSucceeds(MINUTES));
    const buildTag = nextBuildTag();
    const first = await run(["--state-machine-arn", alias], { buildTag });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(
      /Starting execution DCP-20231014-.* of alias prod of arn:aws:states:ap-south-1:731580992380:stateMachine:batch-inference-DCP/,
    );
    expect(first.stderr).toMatch(/alias prod routes 100% to version 1/);
    const saved = resultFile(first.cwd);
    expect(saved.executionArn).toBe(
      `arn:aws:states:ap-south-1:731580992380:execution:batch-inference-DCP:DCP-20231014-${buildTag}`,
    );
    expect(saved).toMatchObject({ stateMachineArn: base, version: "1", alias: "prod", status: "SUCCEEDED" });
    const startsBefore = world.sfn.startCount();
    const again = await run(["--state-machine-arn", alias], { buildTag });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already ended SUCCEEDED with this input; nothing to do/);
    expect(world.sfn.startCount()).toBe(startsBefore);
  });

  it("a version ARN starts that version; an unknown version or alias is exit 3, nothing started", async () => {
    const base = setUp();
    const version = world.sfn.publishVersion(base);
    world.sfn.queueScript(base, pipelineSucceeds(MINUTES));
    const byVersion = await run(["--state-machine-arn", version]);
    expect(byVersion.code, byVersion.stderr).toBe(0);
    expect(resultFile(byVersion.cwd)).toMatchObject({ version: version.split(":").pop() });
    const startsBefore = world.sfn.startCount();
    const missing = await run(["--state-machine-arn", `${base}:99`]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/\(version 99\) does not exist in ap-south-1/);
    const noAlias = await run(["--state-machine-arn", `${base}:staging`]);
    expect(noAlias.code).toBe(3);
    expect(noAlias.stderr).toMatch(/\(alias staging\) does not exist in ap-south-1/);
    expect(world.sfn.startCount()).toBe(startsBefore);
  });
});

describe("the result file while the command is at work", () => {
  it("says in-progress, with no exit code, until the end (it said 'started', exit 0, to whoever read it midway)", async () => {
    world.sfn.queueScript(setUp(), pipelineSucceeds(MINUTES));
    const cwd = seedWorkspace();
    type Snapshot = { status?: string; executionArn?: string; outcome?: Record<string, unknown> };
    // Every read while it polls (the early write lands when the disk allows: the placeholder, then the ARN).
    const snapshots: Snapshot[] = [];
    world.onSleep = () => {
      if (world.fake.callsTo("GetExecutionHistory").length >= 1) snapshots.push(resultFile(cwd));
    };
    const result = await run([], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(snapshots.length).toBeGreaterThan(0);
    for (const snapshot of snapshots) expect(snapshot.outcome).toEqual({ reason: "in-progress" });
    const named = snapshots.filter((snapshot) => snapshot.executionArn);
    expect(named.length).toBeGreaterThan(0);
    for (const snapshot of named) expect(["STARTING", "RUNNING"]).toContain(snapshot.status);
    expect(resultFile(cwd)).toMatchObject({
      status: "SUCCEEDED",
      outcome: { exitCode: 0, reason: "succeeded" },
    });
  });
});

describe("wait <execution-arn>", () => {
  it("attaches to a running execution and follows it as run does", async () => {
    world.sfn.queueScript(setUp(), pipelineSucceeds(MINUTES));
    const started = await run(["--no-wait", "--output", "json"]);
    const arn = JSON.parse(started.stdout).executionArn as string;
    const result = await runFast(world, ["wait", arn, "--output", "json"]);
    expect(result.code, result.stderr).toBe(0);
    const waited = JSON.parse(result.stdout);
    expect(waited).toMatchObject({ status: "SUCCEEDED", executionArn: arn });
    expect(result.stderr).toMatch(/RunBatchInference succeeded/);
    // wait cannot tell SecureString values apart: no input unless asked for.
    expect(waited.input).toBeUndefined();
    expect(result.stdout).not.toContain("aws_demo_batch_run");
    const shown = await runFast(world, ["wait", arn, "--output", "json", "--show-secrets"]);
    expect(JSON.parse(shown.stdout).input).toEqual(seedSample());
  });

  it("refuses something that is not an execution ARN (exit 2)", async () => {
    const result = await runFast(world, ["wait", "not-an-arn"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/'not-an-arn' is not a Step Functions execution ARN/);
  });

  it("names one region, the execution ARN's: it logged 'from the execution ARN' then 'from --region'", async () => {
    const arn = await startNamed(`region-${nextBuildTag()}`);
    for (const extra of [[], ["--region", "ap-south-1"]]) {
      const result = await runFast(world, ["wait", arn, ...extra]);
      expect(result.code, result.stderr).toBe(0);
      expect(lines(result, /AWS Region/)).toEqual(["AWS Region ap-south-1, from the execution ARN"]);
    }
    // A different --region cannot be where the execution is: said, and not used.
    const elsewhere = await runFast(world, ["wait", arn, "--region", "us-east-1"]);
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    expect(lines(elsewhere, /AWS Region/)).toEqual(["AWS Region ap-south-1, from the execution ARN"]);
    expect(elsewhere.stderr).toMatch(
      /warning: --region us-east-1 is not used: the execution is in ap-south-1/,
    );
  });

  it.each(["v1.2-rerun", "a+b", "rerun-été", "x".repeat(80)])(
    "wait and stop take an execution named %s, as Step Functions allows (they refused all but [A-Za-z0-9_-])",
    async (name) => {
      const arn = await startNamed(name);
      const waited = await runFast(world, ["wait", arn, "--output", "json"]);
      expect(waited.code, waited.stderr).toBe(0);
      expect(JSON.parse(waited.stdout)).toMatchObject({ executionArn: arn, name, status: "SUCCEEDED" });
      queueNeverEnding();
      const running = await startNamed(`${name.slice(0, 70)}-stop`);
      const stopped = await runFast(world, ["stop", running]);
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(world.sfn.getExecution(running)?.status).toBe("ABORTED");
    },
  );

  it("a new execution's --execution-name keeps to [A-Za-z0-9_-] (exit 2, nothing started)", async () => {
    const starts = world.sfn.startCount();
    const result = await run(["--execution-name", "v1.2-rerun"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--execution-name 'v1\.2-rerun' is not allowed/);
    expect(world.sfn.startCount()).toBe(starts);
  });
});

/** An execution started by someone else (the console, another tool) under `name`, as Step Functions allows it. */
async function startNamed(name: string): Promise<string> {
  const machine = setUp();
  const client = new SFNClient(world.fake.clientConfig());
  try {
    const started = await client.send(
      new StartExecutionCommand({ stateMachineArn: machine, name, input: JSON.stringify(seedSample()) }),
    );
    return started.executionArn as string;
  } finally {
    client.destroy();
  }
}

describe("reports in every ending, a usage error too", () => {
  it("--timeout 1m1m: exit 2, and the result, JUnit and HTML say invalid input, nothing started", async () => {
    const cwd = seedWorkspace();
    const files = ["result.json", "run.xml", "run.html"].map((name) => join(cwd, name));
    const result = await runFast(
      world,
      ["run", "--timeout", "1m1m", "--result-file", files[0] as string, `--junit=${files[1]}`],
      { cwd, env: { BATCHINF_REPORT_HTML: files[2] as string } },
    );
    expect(result.code).toBe(2);
    expect(JSON.parse(readFileSync(files[0] as string, "utf8"))).toMatchObject({
      status: "NOT_STARTED",
      outcome: { exitCode: 2, reason: "invalid-input" },
    });
    expect(readFileSync(files[1] as string, "utf8")).toContain("<testsuites");
    expect(readFileSync(files[2] as string, "utf8")).toContain("<html");
    expect(world.fake.calls).toHaveLength(0);
  });
});

describe("reports in every ending: input each command refuses itself", () => {
  for (const [label, args] of [
    ["run with contradictory poll flags", ["run", "--poll-interval", "30s", "--max-poll-interval", "10s"]],
    ["wait on something that is not an execution ARN", ["wait", "not-an-arn"]],
    ["backfill of a reversed range", ["backfill", "--from", "2023-10-10", "--to", "2023-10-01"]],
  ] as const) {
    it(`${label}: exit 2, and the result, JUnit and HTML are written`, async () => {
      const cwd = seedWorkspace();
      const files = ["result.json", "run.xml", "run.html"].map((name) => join(cwd, name));
      const result = await runFast(
        world,
        [
          ...args,
          "--result-file",
          files[0] as string,
          "--junit",
          files[1] as string,
          "--report-html",
          files[2] as string,
        ],
        { cwd },
      );
      expect(result.code).toBe(2);
      expect(JSON.parse(readFileSync(files[0] as string, "utf8")).outcome.exitCode).toBe(2);
      expect(readFileSync(files[1] as string, "utf8")).toContain("<testsuites");
      expect(readFileSync(files[2] as string, "utf8")).toContain("<html");
    });
  }
});

describe("stop", () => {
  it("a backfill's result file: each execution still running is stopped once, an ended one is reported, exit 0", async () => {
    const started: string[] = [];
    for (let i = 0; i < 2; i++) {
      queueNeverEnding();
      const result = await run(["--no-wait", "--output", "json"]);
      started.push(JSON.parse(result.stdout).executionArn as string);
    }
    world.sfn.queueScript(setUp(), pipelineSucceeds(MINUTES));
    const done = await run(["--output", "json"]);
    const ended = JSON.parse(done.stdout).executionArn as string;
    const cwd = seedWorkspace();
    const file = join(cwd, "backfill.json");
    writeFileSync(
      file,
      JSON.stringify({ results: [...started, ended].map((executionArn) => ({ executionArn })) }),
    );
    world.fake.resetCalls();
    const stopped = await runFast(world, ["stop", "--result-file", file]);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(world.fake.callsTo("StopExecution")).toHaveLength(2);
    for (const arn of started) expect(world.sfn.getExecution(arn)?.status).toBe("ABORTED");
    expect(stopped.stderr).toMatch(/already ended SUCCEEDED; nothing to stop/);
    expect(world.sfn.stopCalls.at(-1)?.cause).toMatch(
      /Stopped by batchinf stop in https:\/\/jenkins\.example\/job\/ml\/42\//,
    );
  });

  it("one execution that does not exist does not keep the others from being stopped; each failure is said (exit 3)", async () => {
    queueNeverEnding();
    const running = JSON.parse((await run(["--no-wait", "--output", "json"])).stdout).executionArn as string;
    const gone = running.replace(/:[^:]+$/, ":gone-one");
    const file = join(seedWorkspace(), "backfill.json");
    writeFileSync(file, JSON.stringify({ results: [{ executionArn: gone }, { executionArn: running }] }));
    const stopped = await runFast(world, ["stop", "--result-file", file]);
    expect(stopped.code).toBe(3);
    expect(stopped.stderr).toMatch(/gone-one does not exist/);
    expect(stopped.stderr).toMatch(/Stopped execution .*: ABORTED/);
    expect(world.sfn.getExecution(running)?.status).toBe("ABORTED");
  });
});

import { BatchClient } from "@aws-sdk/client-batch";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ExecutionEvent } from "../src/execution/model.js";
import { LogFollower } from "../src/failure/log-follower.js";
import {
  type BatchService,
  createBatchService,
  createLogsService,
  createSfnService,
  type FakeAws,
  type LogsService,
  type RecordedCall,
  type SfnService,
  seedTaskLog,
  startFakeAws,
} from "./fake-aws/index.js";
import { batchJobState, PIPELINE_BATCH_STATE } from "./fake-aws/sfn-scenarios.js";
import { runFast, useFastWorld } from "./helpers/fast-world.js";
import { stateRunsOf } from "./helpers/history-runs.js";

/** A signal that never aborts: these tests cut nothing short. */
const NEVER = new AbortController().signal;

// --follow-logs for AWS Batch: the history names a Batch job's stream only
// once the job has ended, so the follower asks batch:DescribeJobs (the real
// Batch client against the local endpoint's restJson1 route) until the job
// runs and names it, then reads it like a Glue run's, on a virtual clock.

const REGION = "ap-south-1";
const T0 = Date.UTC(2023, 9, 14, 6, 0, 0);

const callsOf = (fake: FakeAws, service: string, operation?: string) =>
  fake.calls.filter((c) => c.service === service && (!operation || c.operation === operation));

/** No two of these calls less than `ms` apart on the fake clock. */
function expectSpacing(calls: readonly RecordedCall[], ms: number): void {
  for (let i = 1; i < calls.length; i += 1) {
    expect((calls[i] as RecordedCall).at - (calls[i - 1] as RecordedCall).at).toBeGreaterThanOrEqual(ms);
  }
}

describe("LogFollower with DescribeJobs", () => {
  let now = T0;
  const clock = { now: () => now };
  const sleep = async (ms: number) => {
    now += ms;
  };
  let fake: FakeAws;
  let sfn: SfnService;
  let logs: LogsService;
  let batch: BatchService;
  let logsClient: CloudWatchLogsClient;
  let batchClient: BatchClient;

  beforeAll(async () => {
    sfn = createSfnService({ region: REGION, clock });
    logs = createLogsService({ region: REGION, clock });
    batch = createBatchService({ sfn, clock });
    fake = await startFakeAws({ services: [sfn, logs, batch], clock });
    logsClient = new CloudWatchLogsClient({ ...fake.clientConfig(REGION), maxAttempts: 1 });
    batchClient = new BatchClient({ ...fake.clientConfig(REGION), maxAttempts: 1 });
  });

  afterAll(async () => {
    logsClient?.destroy();
    batchClient?.destroy();
    await fake?.close();
  });

  it("two running Batch jobs: each asked every 5 s at most, one DescribeJobs a second in all, then read within the logs budget", async () => {
    now = T0;
    const durationMs = 3 * 60_000;
    const machine = sfn.addStateMachine({
      name: "follow-batch",
      script: { states: [batchJobState(PIPELINE_BATCH_STATE, { durationMs })], outcome: "SUCCEEDED" },
    });
    const sfnClient = new SFNClient({ ...fake.clientConfig(REGION), maxAttempts: 1 });
    const arns: string[] = [];
    for (const name of ["batch-a", "batch-b"]) {
      const out = await sfnClient.send(
        new StartExecutionCommand({ stateMachineArn: machine, name, input: "{}" }),
      );
      arns.push(out.executionArn as string);
    }
    sfnClient.destroy();
    const linesOf = (label: string) =>
      Array.from({ length: 10 }, (_, i) => `${label}: batch ${i + 1} scored`);
    const seeded = arns.map((arn, i) =>
      seedTaskLog(logs, sfn, arn, PIPELINE_BATCH_STATE, { lines: linesOf(`job${i}`) }),
    );
    const jobEnd = T0 + durationMs;

    now = T0 + 1_000; // after TaskSubmitted: the history names the job, the job is not running yet
    const events: ExecutionEvent[] = [];
    const follower = new LogFollower({
      logs: logsClient,
      batch: batchClient,
      now: clock.now,
      sleep,
      emit: (e) => events.push(e),
    });
    for (const [i, arn] of arns.entries()) {
      const attempt = (await stateRunsOf(fake, arn))[0]?.attempts[0];
      expect(attempt?.task).toMatchObject({ kind: "batch", id: seeded[i]?.id });
      expect(follower.follow(`S${i}`, attempt as NonNullable<typeof attempt>)).toBeUndefined();
    }
    fake.resetCalls();
    while (now < jobEnd - 1_000) await follower.tick(NEVER);

    for (const [i, job] of seeded.entries()) {
      const shown = events.flatMap((e) =>
        e.type === "task-log" && e.state === `S${i}` ? e.lines.map((l) => ({ ...l, at: e.at })) : [],
      );
      expect(shown.map((l) => l.message)).toEqual(linesOf(`job${i}`));
      for (const line of shown) expect(line.at).toBeLessThan(jobEnd);
      // Asked every 5 s at most, and never again once it named the stream.
      const asked = callsOf(fake, "AWSBatch", "DescribeJobs").filter(
        (c) => (c.input.jobs as string[])[0] === job.id,
      );
      expect(asked.length).toBeGreaterThan(1); // SUBMITTED, RUNNABLE... then RUNNING
      expectSpacing(asked, 5_000);
      const firstRead = callsOf(fake, "Logs_20140328").find((c) => c.input.logStreamName === job.stream);
      expect(firstRead?.input.logGroupName).toBe("/aws/batch/job");
      expect(fake.calls.indexOf(asked.at(-1) as RecordedCall)).toBeLessThan(
        fake.calls.indexOf(firstRead as RecordedCall),
      );
    }
    expectSpacing(callsOf(fake, "AWSBatch"), 1_000);
    expectSpacing(callsOf(fake, "Logs_20140328"), 1_000);
    expect(events.filter((e) => e.type === "notice")).toEqual([]);
    const minutes = (now - (fake.calls[0]?.at ?? now)) / 60_000;
    const perMinute = (n: number) => (n / minutes).toFixed(1);
    console.log(
      `following two Batch jobs for ${minutes.toFixed(2)} min: ${follower.batchCalls} DescribeJobs (${perMinute(follower.batchCalls)}/min), ${follower.calls} GetLogEvents (${perMinute(follower.calls)}/min)`,
    );
    expect(follower.batchCalls).toBe(callsOf(fake, "AWSBatch").length);
  });

  /** Start one execution of a one-Batch-state machine at `start`; its attempt as the tracker sees it at +1 s. */
  async function startBatchJob(name: string, start: number, jobDefinition?: string) {
    now = start;
    const state = batchJobState(name, { durationMs: 90_000 });
    if (jobDefinition) state.parameters = { ...state.parameters, JobDefinition: jobDefinition };
    const machine = sfn.addStateMachine({
      name: `m-${name}`,
      script: { states: [state], outcome: "SUCCEEDED" },
    });
    const sfnClient = new SFNClient({ ...fake.clientConfig(REGION), maxAttempts: 1 });
    const { executionArn } = await sfnClient.send(
      new StartExecutionCommand({ stateMachineArn: machine, name, input: "{}" }),
    );
    sfnClient.destroy();
    now = start + 1_000;
    const attempt = (await stateRunsOf(fake, executionArn as string))[0]?.attempts[0];
    return { executionArn: executionArn as string, attempt: attempt as NonNullable<typeof attempt> };
  }

  it("a container that logs with another driver: one notice when it runs, no logs call, no more DescribeJobs", async () => {
    batch.setLogDriver("splunk-scoring", "splunk");
    const start = T0 + 2 * 86_400_000;
    const { attempt } = await startBatchJob("Splunked", start, "splunk-scoring:1");
    const events: ExecutionEvent[] = [];
    const follower = new LogFollower({
      logs: logsClient,
      batch: batchClient,
      now: clock.now,
      sleep,
      emit: (e) => events.push(e),
    });
    follower.follow("Splunked", attempt);
    fake.resetCalls();
    while (follower.following.length > 0 && now < start + 80_000) await follower.tick(NEVER);
    expect(follower.following).toEqual([]);
    const notices = events
      .filter((e) => e.type === "notice")
      .map((e) => (e.type === "notice" ? e.message : ""));
    expect(notices).toEqual([
      expect.stringMatching(/Splunked \(Batch job .*\) cannot be followed: .*log driver splunk/),
    ]);
    expect(callsOf(fake, "Logs_20140328")).toEqual([]);
    expect(callsOf(fake, "AWSBatch").length).toBeGreaterThan(1);
  });

  it("a throttled DescribeJobs: one warning, asked again 5 s later, then followed", async () => {
    const start = T0 + 3 * 86_400_000;
    const { executionArn, attempt } = await startBatchJob("Throttled", start);
    seedTaskLog(logs, sfn, executionArn, "Throttled", { lines: ["after the throttle"] });
    const events: ExecutionEvent[] = [];
    const follower = new LogFollower({
      logs: logsClient,
      batch: batchClient,
      now: clock.now,
      sleep,
      emit: (e) => events.push(e),
    });
    follower.follow("Throttled", attempt);
    fake.resetCalls();
    const rule = fake.faults.add({
      service: "AWSBatch",
      operation: "DescribeJobs",
      kind: "throttle",
      count: 1,
    });
    while (now < start + 80_000) await follower.tick(NEVER);
    rule.remove();
    expect(rule.injected).toBe(1);
    const warnings = events.filter((e) => e.type === "notice");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: "warn",
      message: expect.stringMatching(/Throttled failed \(ThrottlingException.*will retry/),
    });
    expectSpacing(callsOf(fake, "AWSBatch"), 5_000);
    const shown = events.flatMap((e) => (e.type === "task-log" ? e.lines.map((l) => l.message) : []));
    expect(shown).toEqual(["after the throttle"]);
  });

  it("a job that ends while it is still being asked for its stream gets one more DescribeJobs and a last read", async () => {
    now = T0 + 86_400_000;
    const start = now;
    const machine = sfn.addStateMachine({
      name: "follow-batch-short",
      script: { states: [batchJobState("Short", { durationMs: 40_000 })], outcome: "SUCCEEDED" },
    });
    const sfnClient = new SFNClient({ ...fake.clientConfig(REGION), maxAttempts: 1 });
    const { executionArn } = await sfnClient.send(
      new StartExecutionCommand({ stateMachineArn: machine, name: "short", input: "{}" }),
    );
    sfnClient.destroy();
    seedTaskLog(logs, sfn, executionArn as string, "Short", { lines: ["only line"] });
    now = start + 1_000;
    const attempt = (await stateRunsOf(fake, executionArn as string))[0]?.attempts[0];
    const events: ExecutionEvent[] = [];
    const follower = new LogFollower({
      logs: logsClient,
      batch: batchClient,
      now: clock.now,
      sleep,
      emit: (e) => events.push(e),
    });
    follower.follow("Short", attempt as NonNullable<typeof attempt>);
    await follower.tick(NEVER); // SUBMITTED: no stream yet
    now = start + 45_000; // the job ended
    follower.stopFollowing("Short");
    while (follower.following.length > 0) await follower.tick(NEVER);
    const shown = events.flatMap((e) => (e.type === "task-log" ? e.lines.map((l) => l.message) : []));
    expect(shown).toEqual(["only line"]);
  });
});

describe("batchinf run --follow-logs with a Batch task", () => {
  const world = useFastWorld();
  const LOG_GROUP = "/dcp/batch-inference";
  let machineAdded = false;

  beforeEach(() => {
    if (!machineAdded) {
      world.sfn.addStateMachine({
        name: "batch-inference-DCP",
        script: { states: [batchJobState(PIPELINE_BATCH_STATE)], outcome: "SUCCEEDED" },
      });
      machineAdded = true;
    }
    // The job definition's containers log to a group of their own (`awslogs-group`).
    world.batch.setLogGroup("test-training", LOG_GROUP);
    // Long enough in RUNNABLE that the follower asks more than once before the job names its stream.
    world.batch.setStartupMs(40_000);
    world.sfn.queueScript(world.stateMachineArn, {
      states: [batchJobState(PIPELINE_BATCH_STATE, { durationMs: 3 * 60_000 })],
      outcome: "SUCCEEDED",
    });
    // Once the execution exists, seed its job's log (the timeline is fixed at the start).
    world.onSleep = () => {
      const execution = world.sfn.executions().at(-1);
      if (!execution) return;
      world.onSleep = undefined;
      seedTaskLog(world.logs, world.sfn, execution.executionArn, PIPELINE_BATCH_STATE, {
        group: LOG_GROUP,
        lines: ["loading model defect-corelation", "scoring 120000 rows", "wrote 120000 predictions"],
      });
    };
  });

  // This run's job only: a read the previous run aborted at its end may still reach the fake after
  // the call log was reset.
  const thisJob = () => world.batch.jobs().at(-1);
  const batchCalls = () =>
    world.fake.calls.filter(
      (c) => c.service === "AWSBatch" && (c.input.jobs as string[] | undefined)?.[0] === thisJob()?.jobId,
    );
  const logCalls = () =>
    world.fake.calls.filter(
      (c) => c.service === "Logs_20140328" && c.input.logStreamName === thisJob()?.logStreamName,
    );

  it("copies the running job's lines, prefixed by the state, before it ends; at most one logs call a second", async () => {
    const outcome = await runFast(world, ["run", "--follow-logs"]);
    expect(outcome.code, outcome.stderr).toBe(0);
    const lines = outcome.stderr.split("\n");
    const copied = lines.findIndex(
      (line) => line.includes(`[${PIPELINE_BATCH_STATE}]`) && line.includes("scoring 120000 rows"),
    );
    const ended = lines.findIndex((line) => line.includes(`${PIPELINE_BATCH_STATE} succeeded`));
    expect(copied, outcome.stderr).toBeGreaterThan(-1);
    expect(ended, outcome.stderr).toBeGreaterThan(-1);
    expect(copied).toBeLessThan(ended);
    expect(outcome.stderr).toContain("wrote 120000 predictions");
    expect(outcome.stderr).not.toContain("cannot be followed");
    // The poll loop shares the virtual clock (each sleep moves it): count calls per time span.
    const times = logCalls().map((call) => call.at);
    const span = (times.at(-1) ?? 0) - (times[0] ?? 0);
    expect(times.length).toBeGreaterThan(0);
    expect(times.length).toBeLessThanOrEqual(1 + span / 1000);
    expect(logCalls().every((call) => call.input.logGroupName === LOG_GROUP)).toBe(true);
    const asked = batchCalls().map((call) => call.at);
    expect(asked.length).toBeGreaterThan(1);
    expect(asked.length).toBeLessThanOrEqual(1 + ((asked.at(-1) ?? 0) - (asked[0] ?? 0)) / 5000);
    expect(batchCalls().every((call) => call.operation === "DescribeJobs" && call.outcome === 200)).toBe(
      true,
    );
    const minutes = span / 60_000;
    console.log(
      `run --follow-logs, one Batch job: ${asked.length} DescribeJobs, ${times.length} GetLogEvents in ${minutes.toFixed(2)} min (${(times.length / minutes).toFixed(1)} logs calls/min)`,
    );
    if (process.env.SHOW_STDERR) console.log(outcome.stderr);
  });

  it("DescribeJobs denied: one notice naming batch:DescribeJobs, the job is not followed, the run still succeeds", async () => {
    world.fake.faults.add({ service: "AWSBatch", operation: "DescribeJobs", kind: "accessDenied" });
    const outcome = await runFast(world, ["run", "--follow-logs"]);
    expect(outcome.code, outcome.stderr).toBe(0);
    // (Preflight's line about the state machine role's batch:DescribeJobs is not a --follow-logs notice.)
    const notices = outcome.stderr
      .split("\n")
      .filter((line) => line.includes("batch:DescribeJobs") && !line.startsWith("preflight"));
    expect(notices, outcome.stderr).toHaveLength(1);
    expect(notices[0]).toMatch(/batch:DescribeJobs is denied.*not following RunBatchInference/);
    expect(batchCalls()).toHaveLength(1);
    expect(batchCalls()[0]).toMatchObject({ outcome: 403, errorCode: "AccessDeniedException" });
    expect(logCalls()).toEqual([]);
    if (process.env.SHOW_STDERR) console.log(outcome.stderr);
    expect(outcome.stderr).not.toContain("scoring 120000 rows");
  });

  it("makes no Batch call at all without --follow-logs", async () => {
    const outcome = await runFast(world, ["run"]);
    expect(outcome.code, outcome.stderr).toBe(0);
    // Preflight describes the queue and job definition; following would describe jobs.
    expect(
      world.fake.calls.filter((c) => c.service === "AWSBatch" && c.operation === "DescribeJobs"),
    ).toEqual([]);
    expect(outcome.stderr).not.toContain("scoring 120000 rows");
  });
});

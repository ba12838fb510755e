import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ExecutionEvent } from "../src/execution/model.js";
import { LogFollower } from "../src/failure/log-follower.js";
import {
  createLogsService,
  createSfnService,
  type FakeAws,
  type LogsService,
  type SfnService,
  seedTaskLog,
  startFakeAws,
} from "./fake-aws/index.js";
import { glueJobState } from "./fake-aws/sfn-scenarios.js";
import { stateRunsOf } from "./helpers/history-runs.js";

/** A signal that never aborts: these tests cut nothing short. */
const NEVER = new AbortController().signal;

const REGION = "ap-south-1";
const T0 = Date.UTC(2023, 9, 14, 6, 0, 0);

let now = T0;
const clock = { now: () => now };
/** Sleeping moves the fake clock: no test waits on wall time. */
const sleep = async (ms: number) => {
  now += ms;
};
let fake: FakeAws;
let sfn: SfnService;
let logs: LogsService;
let client: CloudWatchLogsClient;

beforeAll(async () => {
  sfn = createSfnService({ region: REGION, clock });
  logs = createLogsService({ region: REGION, clock });
  fake = await startFakeAws({ services: [sfn, logs], clock });
  client = new CloudWatchLogsClient({ ...fake.clientConfig(REGION), maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  await fake?.close();
});

beforeEach(() => {
  fake.resetCalls();
  logs.setPaging({});
});

const logCalls = () => fake.calls.filter((c) => c.service === "Logs_20140328");

/** No two CloudWatch Logs calls less than a second apart, on the fake clock, whatever the task. */
function expectOneCallPerSecond(): void {
  const times = logCalls().map((c) => c.at);
  for (let i = 1; i < times.length; i += 1) {
    expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(1000);
  }
}

describe("--follow-logs", () => {
  it("shows a running Glue task's lines before the task ends, in order, once each", async () => {
    now = T0;
    const machine = sfn.addStateMachine({
      name: "follow-glue",
      script: { states: [glueJobState("PrepareFeatures", { durationMs: 120_000 })], outcome: "SUCCEEDED" },
    });
    const sfnClient = new SFNClient({ ...fake.clientConfig(REGION), maxAttempts: 1 });
    const { executionArn } = await sfnClient.send(
      new StartExecutionCommand({ stateMachineArn: machine, name: "follow-1", input: "{}" }),
    );
    sfnClient.destroy();
    const lines = Array.from({ length: 12 }, (_, i) => `step ${i + 1}`);
    const seeded = seedTaskLog(logs, sfn, executionArn as string, "PrepareFeatures", { lines });
    const taskEnd = T0 + 120_000;

    now = T0 + 1_000; // after TaskSubmitted: the history names the run
    const run = (await stateRunsOf(fake, executionArn as string))[0];
    const attempt = run?.attempts[0];
    expect(attempt?.status).toBe("running");
    expect(attempt?.task?.id).toBe(seeded.id);

    const events: ExecutionEvent[] = [];
    const follower = new LogFollower({ logs: client, now: clock.now, sleep, emit: (e) => events.push(e) });
    expect(follower.follow("PrepareFeatures", attempt as NonNullable<typeof attempt>)).toBeUndefined();
    fake.resetCalls();
    while (now < taskEnd - 1_000) await follower.tick(NEVER);

    const shown = events.flatMap((e) =>
      e.type === "task-log" ? e.lines.map((l) => ({ ...l, at: e.at })) : [],
    );
    expect(shown.map((l) => l.message)).toEqual(lines);
    // Each line was copied after it was written and before the task ended.
    for (const line of shown) {
      expect(line.at).toBeGreaterThanOrEqual(line.timestamp);
      expect(line.at).toBeLessThan(taskEnd);
    }
    expect(events.every((e) => e.type !== "task-log" || e.state === "PrepareFeatures")).toBe(true);
    expectOneCallPerSecond();
    const minutes = (now - (logCalls()[0]?.at ?? now)) / 60_000;
    console.log(
      `following one Glue task for ${minutes.toFixed(2)} min: ${logCalls().length} GetLogEvents calls (${(logCalls().length / minutes).toFixed(1)}/min)`,
    );

    follower.stopFollowing("PrepareFeatures");
    const before = logCalls().length;
    await follower.tick(NEVER); // the last read after the end
    await follower.tick(NEVER); // nothing followed: no call
    expect(logCalls().length).toBe(before + 1);
    expect(follower.following).toEqual([]);
  });

  it("one budget across tasks: two busy streams, still at most one call a second; empty pages do not stop it", async () => {
    now = T0 + 10 * 86_400_000;
    const start = now;
    for (const stream of ["a", "b"]) {
      logs.putLogEvents(
        "/follow/two",
        stream,
        Array.from({ length: 30 }, (_, i) => ({ timestamp: start + i * 1_000, message: `${stream}${i}` })),
      );
    }
    logs.setPaging({ emptyPageEvery: 2 });
    const events: ExecutionEvent[] = [];
    const follower = new LogFollower({ logs: client, now: clock.now, sleep, emit: (e) => events.push(e) });
    const attempt = { number: 1, startedAt: start, status: "running" as const };
    follower.follow("A", attempt, { group: "/follow/two", stream: "a" });
    follower.follow("B", attempt, { group: "/follow/two", stream: "b" });
    fake.resetCalls();
    while (now < start + 60_000) await follower.tick(NEVER);
    const linesOf = (state: string) =>
      events.flatMap((e) =>
        e.type === "task-log" && e.state === state ? e.lines.map((l) => l.message) : [],
      );
    expect(linesOf("A")).toEqual(Array.from({ length: 30 }, (_, i) => `a${i}`));
    expect(linesOf("B")).toEqual(Array.from({ length: 30 }, (_, i) => `b${i}`));
    expectOneCallPerSecond();
    expect(logCalls().length).toBeLessThanOrEqual(61);
    console.log(`following two tasks for 1 min: ${logCalls().length} GetLogEvents calls`);
  });

  it("a Batch job without a known stream is not followed, and says why", () => {
    const follower = new LogFollower({ logs: client, now: clock.now, sleep, emit: () => undefined });
    const reason = follower.follow("RunBatchInference", {
      number: 1,
      startedAt: now,
      status: "running",
      task: { kind: "batch", id: "4e2b1f9c-7d3a-4c55-9a61-0f2d8b7e6c10", jobName: "aws_demo_batch_run" },
    });
    expect(reason).toMatch(
      /RunBatchInference .* cannot be followed: its stream is known only once the job has ended/,
    );
    expect(follower.following).toEqual([]);
  });

  it("denied: one warning, the task is no longer followed", async () => {
    now = T0 + 20 * 86_400_000;
    logs.putLogEvents("/follow/denied", "s", [{ timestamp: now - 10, message: "hidden" }]);
    logs.deny("/follow/denied");
    const events: ExecutionEvent[] = [];
    const follower = new LogFollower({ logs: client, now: clock.now, sleep, emit: (e) => events.push(e) });
    follower.follow(
      "S",
      { number: 1, startedAt: now, status: "running" },
      { group: "/follow/denied", stream: "s" },
    );
    await follower.tick(NEVER);
    await follower.tick(NEVER);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "notice", level: "warn" });
    expect(events[0]?.type === "notice" && events[0].message).toContain(
      "logs:GetLogEvents is denied on log group /follow/denied",
    );
    expect(logCalls()).toHaveLength(1);
  });
});

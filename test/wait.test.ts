import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { followExecution } from "../src/run/wait.js";
import { createSfnService, type FakeAws, type SfnService, startFakeAws } from "./fake-aws/index.js";
import { pipelineStates, pipelineSucceeds } from "./fake-aws/sfn-scenarios.js";
import { captureContext } from "./helpers/capture.js";

/**
 * The poll loop on a virtual clock shared with the fake Step Functions: an
 * hour-long execution runs in milliseconds, and every figure (polls, events
 * fetched, delay after the end) is exact rather than at the mercy of timers.
 */
let t = Date.UTC(2023, 9, 14, 6, 0, 0);
const clock = { now: () => t };
const sleep = async (ms: number) => {
  t += ms;
};
let fake: FakeAws;
let sfn: SfnService;
let client: SFNClient;

beforeAll(async () => {
  sfn = createSfnService({ accountId: "731580992380", region: "ap-south-1", clock });
  fake = await startFakeAws({ services: [sfn], clock });
  client = new SFNClient(fake.clientConfig("ap-south-1"));
});
afterAll(async () => {
  client.destroy();
  await fake.close();
});

async function start(name: string, script: Parameters<SfnService["queueScript"]>[1]) {
  const machine = sfn.addStateMachine({ name: `sm-${name}`, script });
  const started = await client.send(
    new StartExecutionCommand({ stateMachineArn: machine, name, input: "{}" }),
  );
  return { arn: started.executionArn as string, startedAt: started.startDate?.getTime() ?? t };
}

const options = {
  pollInterval: 2_000,
  maxPollInterval: 20_000,
  stopOnTimeout: false,
  onAbort: "stop" as const,
};

/** followExecution on the virtual clock, with a captured log. */
function follow(
  arn: string,
  startedAt: number,
  overrides: Partial<typeof options> & { timeout?: number } = {},
  sfnClient = client,
) {
  const captured = captureContext({ now: clock.now });
  const outcome = followExecution(
    arn,
    startedAt,
    { ...options, ...overrides },
    {
      client: sfnClient,
      region: "ap-south-1",
      log: captured.ctx.log,
      now: clock.now,
      sleep,
      interrupt: new AbortController().signal,
    },
  );
  return { outcome, stderr: captured.stderr };
}

describe("followExecution", () => {
  it("follows a one-hour execution with few calls and ends within one max interval of its end", async () => {
    const { arn, startedAt } = await start(
      "one-hour",
      pipelineSucceeds({ glueMs: 5 * 60_000, batchMs: 35 * 60_000 }),
    );
    fake.resetCalls();
    const followed = follow(arn, startedAt, {});
    const outcome = await followed.outcome;
    const stderr = followed.stderr;
    expect(outcome.kind).toBe("ended");
    if (outcome.kind !== "ended") return;
    expect(outcome.execution.status).toBe("SUCCEEDED");
    const endedAt = outcome.execution.stopDate?.getTime() ?? 0;
    expect(t - endedAt).toBeLessThanOrEqual(options.maxPollInterval);
    // An hour at most 20 s apart is at least 180 polls; growing intervals keep it near that, not 1,800.
    expect(fake.callsTo("GetExecutionHistory").length).toBeLessThan(260);
    expect(fake.callsTo("DescribeExecution")).toHaveLength(1);
    expect(stderr()).toMatch(/\+1:00:00 {2}RunBatchInference succeeded in 35m00s/);
  });

  it("reads a 1,000-event history once, not once per poll", async () => {
    const mapState = { name: "ScoreBatches", type: "Map" as const, durationMs: 10 * 60_000, iterations: 250 };
    const { arn, startedAt } = await start("big-history", {
      states: [...pipelineStates({ glueMs: 60_000, batchMs: 60_000 }), mapState],
      outcome: "SUCCEEDED",
    });
    const outcome = await follow(arn, startedAt).outcome;
    const existing = sfn.getExecution(arn)?.visibleEvents ?? 0;
    expect(existing).toBeGreaterThan(1_000);
    expect(outcome.tracker.events).toHaveLength(existing);
    // Each poll re-reads what proves it caught up, and a burst larger than
    // guessed is read again from the top, larger (fewer calls, more bytes);
    // re-reading the whole history on each of these ~400 polls would be ~200x.
    expect(outcome.history.fetched).toBeLessThan(existing * 4);
    expect(new Set(outcome.tracker.events.map((event) => event.id)).size).toBe(existing);
  });

  it("absorbs throttling while polling, even when the SDK's own retries run out", async () => {
    const { arn, startedAt } = await start(
      "throttled",
      pipelineSucceeds({ glueMs: 30_000, batchMs: 30_000 }),
    );
    // Two throttles in a row exhaust a 2-attempt client: the poll loop must carry on.
    fake.faults.add({ operation: "GetExecutionHistory", kind: "throttle", every: 3, count: 20 });
    fake.faults.add({ operation: "GetExecutionHistory", kind: "throttle", every: 4, count: 20 });
    const impatient = new SFNClient({
      ...fake.clientConfig("ap-south-1"),
      retryStrategy: new ConfiguredRetryStrategy(2, () => 5),
    });
    const followed = follow(arn, startedAt, {}, impatient);
    const outcome = await followed.outcome;
    const stderr = followed.stderr;
    fake.faults.clear();
    impatient.destroy();
    expect(outcome.kind).toBe("ended");
    expect(stderr()).toMatch(/warning: polling failed \(ThrottlingException\); trying again in/);
  });

  it("returns timeout when --timeout passes first, without stopping the execution", async () => {
    const { arn, startedAt } = await start("endless", {
      states: pipelineStates().slice(0, 1),
      outcome: "NEVER_ENDS",
    });
    const { ctx } = captureContext({ now: clock.now });
    const outcome = await followExecution(
      arn,
      startedAt,
      { ...options, timeout: 15 * 60_000 },
      {
        client,
        region: "ap-south-1",
        log: ctx.log,
        now: clock.now,
        sleep,
        interrupt: new AbortController().signal,
      },
    );
    expect(outcome).toMatchObject({ kind: "timeout", stopped: false });
    expect(sfn.getExecution(arn)?.status).toBe("RUNNING");
  });
});

describe("HistoryReader", () => {
  it("reads a burst after a quiet spell in a few calls, not one per event", async () => {
    const { arn, startedAt } = await start("burst", {
      states: [
        { name: "Quiet", durationMs: 10 * 60_000 },
        { name: "Burst", type: "Map", durationMs: 1_000, iterations: 50 },
      ],
      outcome: "SUCCEEDED",
    });
    const { HistoryReader } = await import("../src/run/history.js");
    const reader = new HistoryReader(client, arn);
    await reader.readNew();
    t = startedAt + 5 * 60_000;
    await reader.readNew();
    t = startedAt + 6 * 60_000;
    expect(await reader.readNew()).toHaveLength(0);
    const callsBefore = reader.calls;
    t = startedAt + 12 * 60_000;
    const burst = await reader.readNew();
    expect(burst.length).toBeGreaterThan(150);
    expect(reader.calls - callsBefore).toBeLessThanOrEqual(5);
    expect(new Set(burst.map((event) => event.id)).size).toBe(burst.length);
  });
});

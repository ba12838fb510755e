import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FollowOptions, followExecution } from "../src/execution/follow.js";
import { HistoryReader } from "../src/execution/history-reader.js";
import type { ExecutionEvent } from "../src/execution/model.js";
import { ExecutionTracker } from "../src/execution/tracker.js";
import { LogReporter } from "../src/report/log-reporter.js";
import { createSfnService, type FakeAws, type SfnService, startFakeAws } from "./fake-aws/index.js";
import { pipelineStates, pipelineSucceeds } from "./fake-aws/sfn-scenarios.js";
import { captureContext } from "./helpers/capture.js";

/** A signal that never aborts: these tests cut nothing short. */
const NEVER = new AbortController().signal;

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

const options: FollowOptions = {
  pollInterval: 2_000,
  maxPollInterval: 20_000,
  stopOnTimeout: false,
  onAbort: "stop",
  abortTimeout: 4_000,
};

/** followExecution on the virtual clock, its events narrated by the real log reporter. */
function follow(arn: string, startedAt: number, overrides: Partial<FollowOptions> = {}, sfnClient = client) {
  const captured = captureContext({ now: clock.now });
  const reporter = new LogReporter(captured.ctx.log);
  const emit = (event: ExecutionEvent) => reporter.onEvent(event, undefined);
  emit({ type: "started", at: startedAt, executionArn: arn, name: "x", startedAt });
  const tracker = new ExecutionTracker(emit, startedAt);
  const ids: number[] = [];
  const reader = new HistoryReader(
    sfnClient,
    arn,
    (event) => {
      ids.push(event.id ?? 0);
      tracker.apply(event);
    },
    clock.now,
  );
  let polls = 0;
  const readNew = reader.readNew.bind(reader);
  reader.readNew = (signal) => {
    polls++;
    return readNew(signal);
  };
  const outcome = followExecution(
    arn,
    startedAt,
    tracker,
    reader,
    { ...options, ...overrides },
    {
      client: sfnClient,
      region: "ap-south-1",
      now: clock.now,
      sleep,
      interrupt: new AbortController().signal,
      emit,
    },
  );
  return { outcome, stderr: captured.stderr, tracker, reader, ids, polls: () => polls };
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
    fake.resetCalls();
    const followed = follow(arn, startedAt);
    await followed.outcome;
    const existing = sfn.getExecution(arn)?.visibleEvents ?? 0;
    expect(existing).toBeGreaterThan(1_000);
    expect(followed.tracker.events).toBe(existing);
    // One call a poll but for the few whose page could not hold what was new.
    // A page holds what the rate predicts, with headroom, so some events are
    // read again, but never the history so far on each poll.
    const calls = fake.callsTo("GetExecutionHistory").length;
    const polls = followed.polls();
    expect(calls).toBeLessThanOrEqual(polls * 1.15);
    expect(followed.reader.fetched).toBeLessThanOrEqual(2 * existing + polls);
    expect(followed.ids).toEqual(Array.from({ length: existing }, (_, i) => i + 1));
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
    const outcome = await follow(arn, startedAt, { timeout: 15 * 60_000 }).outcome;
    expect(outcome).toEqual({ kind: "timeout" });
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
    const ids: number[] = [];
    const reader = new HistoryReader(client, arn, (event) => ids.push(event.id ?? 0));
    await reader.readNew(NEVER);
    t = startedAt + 5 * 60_000;
    await reader.readNew(NEVER);
    t = startedAt + 6 * 60_000;
    expect(await reader.readNew(NEVER)).toBe(0);
    const callsBefore = reader.calls;
    const fetchedBefore = reader.fetched;
    t = startedAt + 12 * 60_000;
    const burst = await reader.readNew(NEVER);
    expect(burst).toBeGreaterThan(150);
    // The first newest-first page says how many are missing; the next asks for exactly that many.
    expect(reader.calls - callsBefore).toBeLessThanOrEqual(2);
    expect(reader.fetched - fetchedBefore).toBeLessThanOrEqual(burst + 2);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
  });
});

describe("HistoryReader against an emulator that takes liberties", () => {
  let n = 0;
  for (const quirks of [
    { ignoreReverseOrder: true },
    { ignoreMaxResults: true },
    { ignoreReverseOrder: true, ignoreMaxResults: true },
    { ignoreReverseOrder: true, ignoreMaxResults: true, pageSize: 7 },
  ]) {
    it(`applies every event once, in id order, and blames the right state (${JSON.stringify(quirks)})`, async () => {
      n += 1;
      const { arn, startedAt } = await start(`quirky-${n}`, {
        states: pipelineStates({ glueMs: 60_000, batchMs: 120_000 }),
        outcome: { fail: { state: "RunBatchInference", error: "States.TaskFailed", cause: "{}" } },
      });
      sfn.setHistoryQuirks(quirks);
      try {
        const followed = follow(arn, startedAt);
        const outcome = await followed.outcome;
        expect(outcome.kind).toBe("ended");
        const existing = sfn.getExecution(arn)?.visibleEvents ?? 0;
        expect(followed.ids).toEqual(Array.from({ length: existing }, (_, i) => i + 1));
        for (const state of ["DataQualityCheck", "RunBatchInference"]) {
          expect(
            followed
              .stderr()
              .split("\n")
              .filter((line) => line.endsWith(`${state} entered`)),
          ).toHaveLength(1);
        }
        expect(followed.tracker.runs).toHaveLength(6);
        expect(followed.tracker.failure()?.state).toBe("RunBatchInference");
      } finally {
        sfn.setHistoryQuirks({});
      }
    });
  }
});

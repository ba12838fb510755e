/**
 * The poll schedule's rules, on a virtual clock shared with the local Step
 * Functions: followExecution follows scripted executions and every poll's
 * virtual time is recorded.
 *
 * - The promise: the execution's end, and each state's start, are noticed
 *   within --max-poll-interval whatever the execution does and whatever the
 *   expectations say (a property test: RUNS.promise generated executions).
 * - What runs sets the pace: a `.sync` job is polled every
 *   --max-poll-interval; short states on a ramp that events do not restart.
 * - No poll storm on a burst or a steady stream of short states.
 * - With the history of past runs: dense polls around the expected end of
 *   the state whose end is the run's, a few around the others', within a
 *   budget of a quarter more polls than the sparse schedule's.
 *
 * Generated cases per run of this file: RUNS (200 pure, 25 followed).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { followExecution } from "../src/execution/follow.js";
import { HistoryReader } from "../src/execution/history-reader.js";
import type { StateRun } from "../src/execution/model.js";
import { type Expectations, PollSchedule, pollHintOf } from "../src/execution/poll-schedule.js";
import { ExecutionTracker } from "../src/execution/tracker.js";
import { TASK_KINDS } from "../src/tasks/registry.js";
import {
  BATCH_SYNC_RESOURCE,
  type ExecutionScript,
  GLUE_SYNC_RESOURCE,
  type ScriptedState,
} from "./fake-aws/index.js";
import { batchJobState, glueJobState, lambdaState } from "./fake-aws/sfn-scenarios.js";
import { useSfnOnClock } from "./helpers/sfn-clock.js";

const RUNS = { pure: 200, promise: 25 };
const POLL = 2_000;
const MAX = 20_000;
const LAMBDA = lambdaState("L", 0).resource as string;

const w = useSfnOnClock("schedule");

/**
 * Start `script` and follow it to its end with the real followExecution;
 * returns the virtual time of every poll, the execution's timeline and when
 * the follower returned.
 */
async function followed(script: ExecutionScript, expectations?: (startedAt: number) => Expectations) {
  const { arn, startedAt } = await w.start(script);
  const tracker = new ExecutionTracker(() => undefined, startedAt);
  const reader = new HistoryReader(w.client, arn, (event) => tracker.apply(event), w.now);
  const polls: number[] = [];
  const readNew = reader.readNew.bind(reader);
  reader.readNew = (signal) => {
    polls.push(w.now());
    return readNew(signal);
  };
  const given = expectations?.(startedAt);
  const outcome = await followExecution(
    arn,
    startedAt,
    tracker,
    reader,
    {
      pollInterval: POLL,
      maxPollInterval: MAX,
      stopOnTimeout: false,
      onAbort: "detach",
      abortTimeout: 4_000,
    },
    {
      client: w.client,
      region: "ap-south-1",
      now: w.now,
      sleep: w.sleep,
      interrupt: new AbortController().signal,
      emit: () => undefined,
      ...(given ? { expectations: () => given } : {}),
    },
  );
  if (outcome.kind !== "ended") throw new Error(`followExecution ended with ${outcome.kind}`);
  const stoppedAt = outcome.execution.stopDate?.getTime() ?? Number.NaN;
  const entered = tracker.runs.map((run) => run.enteredAt);
  return { polls, startedAt, stoppedAt, entered, runs: tracker.runs, noticedAt: polls.at(-1) as number };
}

/** The first poll at or after `at`. */
function firstPollAfter(polls: readonly number[], at: number): number {
  return polls.find((poll) => poll >= at) ?? Number.POSITIVE_INFINITY;
}

/** Polls in [from, to). */
function pollsIn(polls: readonly number[], from: number, to: number): number {
  return polls.filter((poll) => poll >= from && poll < to).length;
}

function run(fields: Partial<StateRun> & { name: string }): StateRun {
  return { kind: "Task", enteredAt: 0, status: "running", attempts: [], ...fields };
}

describe("PollSchedule: what runs sets the pace", () => {
  it("polls a .sync job every --max-poll-interval from the first poll on", async () => {
    const { polls, startedAt, stoppedAt, noticedAt } = await followed({
      states: [glueJobState("Glue", { durationMs: 30 * 60_000 })],
      outcome: "SUCCEEDED",
    });
    const gaps = polls.slice(1).map((poll, i) => poll - (polls[i] as number));
    expect(new Set(gaps)).toEqual(new Set([MAX]));
    expect(polls.length).toBeLessThanOrEqual(Math.ceil((stoppedAt - startedAt) / MAX) + 1);
    expect(noticedAt - stoppedAt).toBeLessThanOrEqual(MAX);
  });

  it("ramps short states from --poll-interval by half a poll, and events do not restart the ramp", () => {
    const schedule = new PollSchedule({ pollInterval: POLL, maxPollInterval: MAX });
    const intervals: number[] = [];
    let now = 0;
    for (let i = 0; i < 10; i++) {
      // A new Lambda state every poll: the old rule went back to 2 s each time.
      const interval = schedule.next({
        now,
        running: [run({ name: `L${i}`, resource: LAMBDA, enteredAt: now })],
      });
      intervals.push(interval);
      now += interval;
    }
    expect(intervals).toEqual([2_000, 3_000, 4_500, 6_750, 10_125, 15_188, 20_000, 20_000, 20_000, 20_000]);
  });

  it("restarts the ramp when a long job ends into short states: the run's end may be near", () => {
    const schedule = new PollSchedule({ pollInterval: POLL, maxPollInterval: MAX });
    const glue = run({ name: "Glue", resource: GLUE_SYNC_RESOURCE });
    expect(schedule.next({ now: 0, running: [glue] })).toBe(MAX);
    expect(schedule.next({ now: MAX, running: [glue] })).toBe(MAX);
    expect(schedule.next({ now: 2 * MAX, running: [run({ name: "Notify", resource: LAMBDA })] })).toBe(POLL);
    expect(schedule.next({ now: 2 * MAX + POLL, running: [] })).toBe(3_000);
  });

  it("asks the task kind for its hint: a Glue job run started without .sync answers at once", () => {
    expect(pollHintOf(run({ name: "g", resource: "arn:aws:states:::glue:startJobRun" }))).toBe("seconds");
    for (const kind of TASK_KINDS) {
      expect(kind.pollHint(`${GLUE_SYNC_RESOURCE}`)).toBe("minutes");
      expect(kind.pollHint(LAMBDA)).toBe("seconds");
    }
  });

  it("gives every Task a hint, its kind's or else its integration's, and other states none", () => {
    expect(pollHintOf(run({ name: "g", resource: GLUE_SYNC_RESOURCE }))).toBe("minutes");
    expect(pollHintOf(run({ name: "b", resource: BATCH_SYNC_RESOURCE }))).toBe("minutes");
    expect(pollHintOf(run({ name: "e", resource: "arn:aws:states:::ecs:runTask.sync:2" }))).toBe("minutes");
    expect(
      pollHintOf(run({ name: "w", resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken" })),
    ).toBe("minutes");
    expect(pollHintOf(run({ name: "l", resource: LAMBDA }))).toBe("seconds");
    expect(pollHintOf(run({ name: "p", kind: "Pass" }))).toBeUndefined();
    expect(pollHintOf(run({ name: "m", kind: "Map" }))).toBeUndefined();
  });

  it("throttling doubles the interval, up to --max-poll-interval", () => {
    const schedule = new PollSchedule({ pollInterval: POLL, maxPollInterval: MAX });
    expect(schedule.next({ now: 0, running: [] })).toBe(POLL);
    expect(schedule.afterError(true)).toBe(4_000);
    expect(schedule.afterError(false)).toBe(4_000);
    expect(schedule.afterError(true)).toBe(8_000);
    expect(schedule.afterError(true)).toBe(16_000);
    expect(schedule.afterError(true)).toBe(MAX);
  });
});

describe("PollSchedule: no poll storm on a burst", () => {
  it("reads a steady stream of 2-second states with the pages of --max-poll-interval polls", async () => {
    const states = Array.from({ length: 300 }, (_, i) => lambdaState(`Step${i}`, 2_000));
    const { polls, startedAt, stoppedAt, noticedAt } = await followed({ states, outcome: "SUCCEEDED" });
    // Ten minutes: 30 polls at the sparsest, and the ramp's few on the way there.
    expect(polls.length).toBeLessThanOrEqual((stoppedAt - startedAt) / MAX + 8);
    expect(noticedAt - stoppedAt).toBeLessThanOrEqual(MAX);
  });

  it("reads a burst of 200 Map iterations in one second with the pages, not more polls", async () => {
    const { polls, startedAt } = await followed({
      states: [
        glueJobState("Before", { durationMs: 5 * 60_000 }),
        { name: "Burst", type: "Map", durationMs: 1_000, iterations: 200 },
        glueJobState("After", { durationMs: 5 * 60_000 }),
      ],
      outcome: "SUCCEEDED",
    });
    const burstAt = startedAt + 5 * 60_000;
    expect(pollsIn(polls, burstAt, burstAt + 60_000)).toBeLessThanOrEqual(60_000 / MAX + 1);
  });

  it("gives short states no windows, however many medians the history has", async () => {
    const states = Array.from({ length: 150 }, (_, i) => lambdaState(`Step${i}`, 2_000));
    const medians = new Map(states.map((state) => [state.name, 2_000]));
    const { polls, startedAt, stoppedAt } = await followed({ states, outcome: "SUCCEEDED" }, (at) => ({
      medians,
      expectedEnd: at + 300_000,
    }));
    expect(polls.length).toBeLessThanOrEqual((stoppedAt - startedAt) / MAX + 8);
  });
});

describe("PollSchedule: the expected-end window when the history is known", () => {
  const glue = [5, 9, 14, 20, 7].map((minutes, i) =>
    glueJobState(`Glue${i}`, { durationMs: minutes * 60_000 }),
  );
  const batch = batchJobState("Batch", { durationMs: 3_600_000 });
  const medians = new Map<string, number>([...glue, batch].map((state) => [state.name, state.durationMs]));
  const runMs = [...glue, batch].reduce((sum, state) => sum + state.durationMs, 0);

  it("meets the run's end within --poll-interval when it ends at its median, for at most 1.25x the sparse polls", async () => {
    const { polls, startedAt, stoppedAt, noticedAt } = await followed(
      { states: [...glue, batch], outcome: "SUCCEEDED" },
      (at) => ({ medians, expectedEnd: at + runMs }),
    );
    expect(noticedAt - stoppedAt).toBeLessThanOrEqual(POLL);
    const sparse = (stoppedAt - startedAt) / MAX;
    expect(polls.length).toBeLessThanOrEqual(1.25 * sparse + 6 + 1);
    // Dense around the expected end, sparse long before it.
    expect(pollsIn(polls, stoppedAt - 20_000, stoppedAt)).toBeGreaterThanOrEqual(9);
    expect(pollsIn(polls, stoppedAt - 3_600_000, stoppedAt - 1_800_000)).toBeLessThanOrEqual(
      1_800_000 / MAX + 1,
    );
  });

  it("gives a state whose end is not the run's a few dense polls around its expected end", async () => {
    const { polls, runs } = await followed({ states: [...glue, batch], outcome: "SUCCEEDED" }, (at) => ({
      medians,
      expectedEnd: at + runMs,
    }));
    for (const state of runs.filter((r) => r.name.startsWith("Glue"))) {
      const end = state.exitedAt as number;
      // Ten seconds either side of it: more than the sparse schedule's one poll, fewer than a window's.
      const around = pollsIn(polls, end - 10_000, end + 10_000);
      expect(around).toBeGreaterThanOrEqual(2);
      expect(around).toBeLessThanOrEqual(8);
    }
  });

  it("still meets an end outside the window within --max-poll-interval", async () => {
    const late = { ...batch, durationMs: batch.durationMs + 15 * 60_000 };
    const { noticedAt, stoppedAt } = await followed(
      { states: [...glue, late], outcome: "SUCCEEDED" },
      (at) => ({
        medians,
        expectedEnd: at + runMs,
      }),
    );
    expect(noticedAt - stoppedAt).toBeLessThanOrEqual(MAX);
  });

  it("meets a short run's end too: the window there is paid from the few extra polls it starts with", async () => {
    const states = [lambdaState("Prepare", 5_000), batchJobState("Score", { durationMs: 215_000 })];
    const { noticedAt, stoppedAt } = await followed({ states, outcome: "SUCCEEDED" }, (at) => ({
      medians: new Map([
        ["Prepare", 5_000],
        ["Score", 215_000],
      ]),
      expectedEnd: at + 220_000,
    }));
    expect(noticedAt - stoppedAt).toBeLessThanOrEqual(POLL);
  });
});

const hintArb = fc.constantFrom(GLUE_SYNC_RESOURCE, BATCH_SYNC_RESOURCE, LAMBDA);

const stateArb: fc.Arbitrary<ScriptedState> = fc
  .oneof(
    fc.record({
      resource: hintArb,
      durationMs: fc.integer({ min: 0, max: 25 * 60_000 }),
    }),
    fc.record({
      type: fc.constant("Map" as const),
      durationMs: fc.integer({ min: 0, max: 10 * 60_000 }),
      iterations: fc.integer({ min: 0, max: 60 }),
    }),
    fc.record({
      type: fc.constantFrom("Pass" as const, "Wait" as const),
      durationMs: fc.integer({ min: 0, max: 90_000 }),
    }),
  )
  .map((state) => ({ name: "S", ...state }));

describe("PollSchedule: the promise (property)", () => {
  it("never asks for an interval outside [--poll-interval, --max-poll-interval]", () => {
    const runArb = fc.record({
      name: fc.constantFrom("A", "B", "C", "D"),
      kind: fc.constantFrom("Task", "Pass", "Map"),
      resource: fc.option(hintArb, { nil: undefined }),
      enteredAt: fc.integer({ min: 0, max: 10 * 3_600_000 }),
    });
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            gap: fc.integer({ min: 0, max: 3_600_000 }),
            running: fc.array(runArb, { maxLength: 4 }),
            error: fc.option(fc.boolean(), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        fc.dictionary(fc.constantFrom("A", "B", "C", "D"), fc.integer({ min: 0, max: 6 * 3_600_000 })),
        fc.option(fc.integer({ min: 0, max: 12 * 3_600_000 }), { nil: undefined }),
        (views, medians, expectedEnd) => {
          const schedule = new PollSchedule({ pollInterval: POLL, maxPollInterval: MAX });
          const expectations: Expectations = {
            medians: new Map(Object.entries(medians)),
            ...(expectedEnd === undefined ? {} : { expectedEnd }),
          };
          let now = 0;
          for (const view of views) {
            now += view.gap;
            const interval =
              view.error === undefined
                ? schedule.next({ now, running: view.running.map((r) => run(r)), expectations })
                : schedule.afterError(view.error);
            expect(interval).toBeGreaterThanOrEqual(POLL);
            expect(interval).toBeLessThanOrEqual(MAX);
          }
        },
      ),
      { numRuns: RUNS.pure },
    );
  });

  it("notices the end, and every state's start, within --max-poll-interval, with or without expectations", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stateArb, { minLength: 1, maxLength: 6 }),
        fc.option(fc.double({ min: 0.5, max: 1.5, noNaN: true }), { nil: undefined }),
        async (raw, skew) => {
          const states = raw.map((state, i) => ({ ...state, name: `S${i}` }));
          // Expectations off by `skew` from what happens: medians that are right, too short or too long.
          const medians = new Map(states.map((state) => [state.name, state.durationMs * (skew ?? 1)]));
          const runMs = states.reduce((sum, state) => sum + state.durationMs, 0) * (skew ?? 1);
          const { polls, stoppedAt, noticedAt, entered } = await followed(
            { states, outcome: "SUCCEEDED" },
            skew === undefined ? undefined : (at) => ({ medians, expectedEnd: at + runMs }),
          );
          expect(noticedAt - stoppedAt).toBeLessThanOrEqual(MAX);
          for (const at of entered) expect(firstPollAfter(polls, at) - at).toBeLessThanOrEqual(MAX);
        },
      ),
      { numRuns: RUNS.promise },
    );
  }, 120_000);
});

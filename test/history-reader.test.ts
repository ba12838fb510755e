/**
 * The history reader against the local Step Functions on a virtual clock:
 * one GetExecutionHistory call per poll when the page sized from the recent
 * rate holds what is new, and every event applied once, in id order, for any
 * history, any times of reading and any liberty an emulator takes with
 * `reverseOrder` and `maxResults` (a property test).
 *
 * Generated cases per run of this file: RUNS (60).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HistoryReader } from "../src/execution/history-reader.js";
import type { ExecutionScript, ScriptedState } from "./fake-aws/index.js";
import { glueJobState } from "./fake-aws/sfn-scenarios.js";
import { useSfnOnClock } from "./helpers/sfn-clock.js";

const RUNS = 60;

const w = useSfnOnClock("reader");
const start = (script: ExecutionScript) => w.start(script);

/** A reader that records the ids it applied and, per read, the calls it made and what was new. */
function reader(arn: string) {
  const ids: number[] = [];
  const r = new HistoryReader(w.client, arn, (event) => ids.push(event.id ?? 0), w.now);
  const reads: Array<{ calls: number; applied: number; fetched: number }> = [];
  const read = async () => {
    const calls = r.calls;
    const fetched = r.fetched;
    const applied = await r.readNew(new AbortController().signal);
    reads.push({ calls: r.calls - calls, applied, fetched: r.fetched - fetched });
    return applied;
  };
  return { r, ids, reads, read };
}

const STREAM: ExecutionScript = {
  // An iteration every 2 s for ten minutes: 4 events each.
  states: [{ name: "Stream", type: "Map", durationMs: 600_000, iterations: 300 }],
  outcome: "SUCCEEDED",
};

describe("HistoryReader: one call per poll", () => {
  it("reads a steady stream at a steady interval with one call a poll", async () => {
    const { arn, startedAt } = await start(STREAM);
    w.set(startedAt);
    const { reads, read, ids } = reader(arn);
    for (let i = 0; i < 25; i++) {
      await read();
      w.set(w.now() + 20_000);
    }
    // The first read goes forward; the next has no rate yet (one event first, then the rest).
    const steady = reads.slice(2);
    expect(steady.every((poll) => poll.calls === 1)).toBe(true);
    // Forty events every 20 s: the page holds them and the newest already seen, with a quarter of headroom.
    for (const poll of steady) {
      expect(poll.applied).toBe(40);
      expect(poll.fetched).toBeLessThanOrEqual(Math.ceil(poll.applied * 1.25) + 1);
    }
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
  });

  it("reads a quiet poll with one call for one event", async () => {
    const { arn, startedAt } = await start({
      states: [glueJobState("Long", { durationMs: 3_600_000 })],
      outcome: "SUCCEEDED",
    });
    w.set(startedAt + 1_000);
    const { reads, read } = reader(arn);
    for (let i = 0; i < 10; i++) {
      await read();
      w.set(w.now() + 20_000);
    }
    expect(reads.slice(1)).toEqual(Array.from({ length: 9 }, () => ({ calls: 1, applied: 0, fetched: 1 })));
  });

  it("reads a burst the page could not hold with exactly one more call, each event once", async () => {
    const { arn, startedAt } = await start({
      states: [
        glueJobState("Quiet", { durationMs: 10 * 60_000 }),
        { name: "Burst", type: "Map", durationMs: 1_000, iterations: 300 },
      ],
      outcome: "SUCCEEDED",
    });
    w.set(startedAt + 1_000);
    const { reads, read, ids } = reader(arn);
    for (let i = 0; i < 4; i++) {
      await read();
      w.set(w.now() + 20_000);
    }
    w.set(startedAt + 12 * 60_000);
    const burst = await read();
    expect(burst).toBeGreaterThan(1_000);
    const last = reads.at(-1);
    // A one-event page (the newest) says 1,200 are missing: one page of 1,000, then exactly the rest.
    expect(last?.calls).toBe(3);
    expect(last?.fetched).toBe(burst);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
  });
});

const stateArb: fc.Arbitrary<ScriptedState> = fc.oneof(
  fc.integer({ min: 1_000, max: 30 * 60_000 }).map((durationMs) => glueJobState("Job", { durationMs })),
  fc.record({
    name: fc.constant("Fan"),
    type: fc.constant("Map" as const),
    durationMs: fc.integer({ min: 0, max: 20 * 60_000 }),
    iterations: fc.integer({ min: 0, max: 150 }),
  }),
  fc.record({ name: fc.constant("Hop"), type: fc.constant("Pass" as const), durationMs: fc.constant(0) }),
  fc.record({
    name: fc.constant("Pause"),
    type: fc.constant("Wait" as const),
    durationMs: fc.integer({ min: 0, max: 120_000 }),
  }),
);

const quirksArb = fc.oneof(
  fc.constant({}),
  fc.constant({ ignoreReverseOrder: true }),
  fc.record({ ignoreMaxResults: fc.constant(true), pageSize: fc.integer({ min: 10, max: 100 }) }),
  fc.constant({ ignoreMaxResults: true }),
  fc.record({
    ignoreReverseOrder: fc.constant(true),
    ignoreMaxResults: fc.constant(true),
    pageSize: fc.integer({ min: 10, max: 100 }),
  }),
);

describe("HistoryReader: every event once, in order (property)", () => {
  it("applies ids 1..N once each whatever the history, the times of reading and the server's paging", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stateArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 15 * 60_000 }), { minLength: 1, maxLength: 15 }),
        quirksArb,
        async (states, gaps, quirks) => {
          const { arn, startedAt } = await start({ states, outcome: "SUCCEEDED" });
          w.sfn.setHistoryQuirks(quirks);
          try {
            w.set(startedAt);
            const { ids, reads, read } = reader(arn);
            for (const gap of gaps) {
              w.set(w.now() + gap);
              await read();
            }
            // Long after the end: the whole history.
            w.set(w.now() + 24 * 3_600_000);
            await read();
            const existing = w.sfn.getExecution(arn, w.now())?.visibleEvents ?? 0;
            expect(ids).toEqual(Array.from({ length: existing }, (_, i) => i + 1));
            if (Object.keys(quirks).length === 0) {
              // A server that honours the request: the sized page, then at most the exact pages of what is missing.
              for (const poll of reads.slice(1)) {
                expect(poll.calls).toBeLessThanOrEqual(1 + Math.ceil(poll.applied / 1000));
              }
            }
          } finally {
            w.sfn.setHistoryQuirks({});
          }
        },
      ),
      { numRuns: RUNS },
    );
  }, 120_000);
});

// Following executions of different shapes: Step Functions calls per
// execution-hour and the delay from the execution's end to its notice, v2's
// reader and poll cadence (bench/baseline/) against the current ones, on a
// virtual clock (issue 19).
//
// Shapes: six 40-s states; five 5-s states then one of 215 s; a steady stream
// (a state every 2 s for ten minutes); the seed's real shape (five Glue jobs
// of 5-20 minutes, a Batch job of 1-3 hours; 8 executions drawn with a fixed
// seed); and a 30-date backfill of one-hour executions at --concurrency 5
// (bench/backfill.ts's world and scheduler; each state 0-20 s longer than there).
//
// Each execution runs on the local endpoint (test/fake-aws, the real
// SFNClient); its calls are the endpoint's request log, the follower's own
// (GetExecutionHistory, DescribeExecution). "Floor": one call every
// --max-poll-interval (20 s), 180 an hour, the fewest that keeps the promise
// that an end is noticed within it. "Anchor": an AWS CLI loop polling every
// 10 s, 360 an hour.
//
// With the history of past runs known, the expectations are each state's
// median and the run's expected end (what --history gives); the run either
// lasts exactly its medians or each state strays from its median by up to
// ±2% or ±10% (drawn per state).
//
//   npx tsx bench/follow-shapes.ts        prints the tables, appends them to bench/results.md
//   BENCH_NO_WRITE=1 ...                  prints only
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import type { FollowDatesDeps } from "../src/backfill/follow-dates.js";
import { followExecution } from "../src/execution/follow.js";
import { HistoryReader } from "../src/execution/history-reader.js";
import type { ExecutionEvent, ExecutionReport } from "../src/execution/model.js";
import type { Expectations } from "../src/execution/poll-schedule.js";
import { startAndFollow } from "../src/execution/service.js";
import { ExecutionTracker } from "../src/execution/tracker.js";
import {
  createSfnService,
  type ExecutionScript,
  type ScriptedState,
  type ScriptPicker,
  startFakeAws,
} from "../test/fake-aws/index.js";
import {
  batchJobState,
  glueJobState,
  lambdaState,
  pipelineSucceeds,
} from "../test/fake-aws/sfn-scenarios.js";
import { ROOT } from "../test/helpers/seed.js";
import { backfillSchedulerWith, type Figures, measure, SCRIPT } from "./backfill.js";
import { followV2 } from "./baseline/follow-v2.js";
import { HistoryReader as V2HistoryReader } from "./baseline/history-v2.js";

const REGION = "ap-south-1";
const POLL = 2_000;
const MAX = 20_000;
const HOUR = 3_600_000;
const FLOOR_PER_HOUR = HOUR / MAX;
const ANCHOR_PER_HOUR = 360;

type Variant = "v2" | "now" | "now, history known";

interface Run {
  calls: number;
  hours: number;
  delayMs: number;
}

interface Row {
  shape: string;
  variant: string;
  executions: number;
  callsPerHour: number;
  delays: number[];
}

/** A fixed-seed generator (mulberry32): the same executions every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4_294_967_296;
  };
}

async function world() {
  let t = Date.UTC(2023, 9, 14, 6, 0, 0);
  const clock = { now: () => t };
  const sfn = createSfnService({ accountId: "731580992380", region: REGION, clock });
  const fake = await startFakeAws({ services: [sfn], clock });
  const client = new SFNClient(fake.clientConfig(REGION));
  let n = 0;
  /** Start `script`, follow it with `variant`, and count the follower's calls. */
  const follow = async (
    script: ExecutionScript,
    variant: Variant,
    expectations?: Expectations,
  ): Promise<Run> => {
    n += 1;
    const machine = sfn.addStateMachine({ name: `shape-${n}`, script });
    const started = await client.send(
      new StartExecutionCommand({ stateMachineArn: machine, name: `shape-${n}`, input: "{}" }),
    );
    const arn = started.executionArn as string;
    const startedAt = started.startDate?.getTime() ?? t;
    fake.resetCalls();
    const tracker = new ExecutionTracker(() => undefined, startedAt);
    const deps = {
      client,
      region: REGION,
      now: clock.now,
      sleep: async (ms: number) => {
        t += ms;
      },
      interrupt: new AbortController().signal,
      emit: () => undefined,
    };
    if (variant === "v2") {
      const reader = new V2HistoryReader(client, arn, (event) => tracker.apply(event));
      await followV2(arn, tracker, reader, { pollInterval: POLL, maxPollInterval: MAX }, deps);
    } else {
      const reader = new HistoryReader(client, arn, (event) => tracker.apply(event), clock.now);
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
        { ...deps, ...(expectations ? { expectations: () => shift(expectations, startedAt) } : {}) },
      );
      if (outcome.kind !== "ended") throw new Error(`${script.states[0]?.name}: ${outcome.kind}`);
    }
    const stop = sfn.getExecution(arn, t)?.stopDate;
    if (stop === undefined) throw new Error("the follower returned before the execution ended");
    const calls = fake.calls.length;
    // Far apart, so that no execution's polls fall into the next one's.
    t += HOUR;
    return { calls, hours: (stop - startedAt) / HOUR, delayMs: t - HOUR - stop };
  };
  const close = async () => {
    client.destroy();
    await fake.close();
  };
  return { follow, close };
}

/** Expectations are written relative to the start (expectedEnd = the run's median duration); made absolute here. */
function shift(expectations: Expectations, startedAt: number): Expectations {
  return {
    medians: expectations.medians,
    ...(expectations.expectedEnd === undefined ? {} : { expectedEnd: startedAt + expectations.expectedEnd }),
  };
}

/** The medians a history would give for `states` (their typical durations), and the run's expected duration. */
function expectationsOf(states: readonly ScriptedState[]): Expectations {
  return {
    medians: new Map(states.map((state) => [state.name, state.durationMs])),
    expectedEnd: states.reduce((sum, state) => sum + state.durationMs, 0),
  };
}

/** The seed's real shape: five Glue jobs of 5-20 minutes, then a Batch job of 1-3 hours (typical durations). */
function seedShapes(count: number): ScriptedState[][] {
  const draw = random(19);
  return Array.from({ length: count }, () => [
    ...[
      "DataQualityCheck",
      "PrepareFeatures",
      "MapDefectCodes",
      "BuildInferenceInput",
      "RefreshAthenaPartitions",
    ].map((name) => glueJobState(name, { durationMs: Math.round((5 + 15 * draw()) * 60_000) })),
    batchJobState("RunBatchInference", { durationMs: Math.round((1 + 2 * draw()) * HOUR) }),
  ]);
}

/** This run's durations: each state off its typical one by up to ±`stray` (drawn with a fixed seed). */
function strayed(states: readonly ScriptedState[], stray: number, draw: () => number): ScriptedState[] {
  return states.map((state) => ({
    ...state,
    durationMs: Math.round(state.durationMs * (1 + stray * (2 * draw() - 1))),
  }));
}

function row(shape: string, variant: string, runs: readonly Run[]): Row {
  const calls = runs.reduce((sum, r) => sum + r.calls, 0);
  const hours = runs.reduce((sum, r) => sum + r.hours, 0);
  return {
    shape,
    variant,
    executions: runs.length,
    callsPerHour: calls / hours,
    delays: runs.map((r) => r.delayMs),
  };
}

const SEED_COUNT = 8;
const SIMPLE_COUNT = 8;
const w = await world();
const rows: Row[] = [];
const simple: Array<{ shape: string; states: ScriptedState[] }> = [
  { shape: "6 states of 40 s", states: pipelineSucceeds({ glueMs: 40_000, batchMs: 40_000 }).states },
  {
    shape: "5 states of 5 s, then one of 215 s",
    states: pipelineSucceeds({ glueMs: 5_000, batchMs: 215_000 }).states,
  },
  {
    shape: "a steady stream: a state every 2 s (300 Lambda states)",
    states: Array.from({ length: 300 }, (_, i) => lambdaState(`Step${i}`, 2_000)),
  },
];
for (const { shape, states } of simple) {
  // Each execution's states within ±5% of the nominal durations: polls do not land on state ends by chance.
  for (const variant of ["v2", "now", "now, history known"] as const) {
    const draw = random(5);
    const runs: Run[] = [];
    for (let i = 0; i < SIMPLE_COUNT; i++) {
      const script = { states: strayed(states, 0.05, draw), outcome: "SUCCEEDED" as const };
      runs.push(
        await w.follow(
          script,
          variant,
          variant === "v2" || variant === "now" ? undefined : expectationsOf(states),
        ),
      );
    }
    rows.push(
      row(
        shape,
        variant === "now, history known"
          ? "now, history known (states within ±5% of their medians)"
          : variant,
        runs,
      ),
    );
  }
}

const seed = seedShapes(SEED_COUNT);
const seedShape = `the seed's real shape (${SEED_COUNT} executions: 5 Glue jobs of 5-20 min, a Batch job of 1-3 h)`;
for (const variant of ["v2", "now"] as const) {
  const runs: Run[] = [];
  for (const states of seed) runs.push(await w.follow({ states, outcome: "SUCCEEDED" }, variant));
  rows.push(row(seedShape, variant, runs));
}
for (const stray of [0, 0.02, 0.1]) {
  const draw = random(7);
  const runs: Run[] = [];
  for (const states of seed) {
    runs.push(
      await w.follow(
        { states: strayed(states, stray, draw), outcome: "SUCCEEDED" },
        "now",
        expectationsOf(states),
      ),
    );
  }
  const label =
    stray === 0
      ? "now, history known (run at its medians)"
      : `now, history known (each state within ±${stray * 100}% of its median)`;
  rows.push(row(seedShape, label, runs));
}
await w.close();

// The backfill: bench/backfill.ts's 30 one-hour executions, 5 at a time, one client, --max-api-rate 5.
const v2Follow: FollowDatesDeps["startAndFollow"] = async (job, options, report, deps) => {
  // The core starts the execution (--no-wait); v2's reader and cadence follow it.
  const quiet = {
    ...deps,
    emit: (event: ExecutionEvent) => {
      if (event.type !== "ended") deps.emit(event);
    },
  };
  await startAndFollow(job, { ...options, wait: false }, report, quiet);
  const arn = report.executionArn as string;
  const tracker = new ExecutionTracker(() => undefined, report.startedAt ?? deps.now());
  const reader = new V2HistoryReader(deps.client, arn, (event) => tracker.apply(event));
  report.status = await followV2(
    arn,
    tracker,
    reader,
    { pollInterval: POLL, maxPollInterval: MAX },
    { client: deps.client, now: deps.now, sleep: (ms) => deps.sleep(ms, deps.interrupt) },
  );
  report.outcome = { kind: "ended", status: report.status as "SUCCEEDED" };
  deps.emit({ type: "ended", at: deps.now(), report });
  return report;
};
const backfillExpectations = (report: ExecutionReport): Expectations | undefined => {
  if (report.startedAt === undefined) return undefined;
  // The medians: the middle of each state's 0-20 s spread.
  const medians = SCRIPT.states.map((state) => ({ ...state, durationMs: state.durationMs + 10_000 }));
  return shift(expectationsOf(medians), report.startedAt);
};
const backfillShape = "30-date backfill, `--concurrency 5` (one-hour executions)";
/** Each date's states 0-20 s longer than bench/backfill.ts's (drawn per name): not all on the 20-s grid. */
const backfillScripts = (): ScriptPicker => {
  const draw = random(11);
  const scripts = new Map<string, ExecutionScript>();
  return (name) => {
    let script = scripts.get(name);
    if (!script) {
      const states = SCRIPT.states.map((state) => ({
        ...state,
        durationMs: state.durationMs + Math.round(20_000 * draw()),
      }));
      script = { states, outcome: "SUCCEEDED" };
      scripts.set(name, script);
    }
    return script;
  };
};
const backfill: Array<[string, Figures]> = [
  ["v2", await measure(backfillSchedulerWith({ label: "v2", startAndFollow: v2Follow }), backfillScripts())],
  ["now", await measure(backfillSchedulerWith({ label: "now" }), backfillScripts())],
  [
    "now, history known (states within ±10 s of their medians)",
    await measure(
      backfillSchedulerWith({ label: "history", expectations: backfillExpectations }),
      backfillScripts(),
    ),
  ],
];
for (const [variant, figures] of backfill) {
  // The follower's calls: the 30 starts and the one DescribeStateMachine are the same for all.
  const follower =
    ((figures.calls.GetExecutionHistory ?? 0) + (figures.calls.DescribeExecution ?? 0)) /
    figures.executionHours;
  rows.push({
    shape: backfillShape,
    variant,
    executions: figures.executions,
    callsPerHour: follower,
    delays: [figures.delay.median, figures.delay.p95, figures.delay.max],
  });
}

function delays(r: Row): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  if (r.shape === backfillShape)
    return `${s(r.delays[0] ?? 0)} / ${s(r.delays[1] ?? 0)} / ${s(r.delays[2] ?? 0)} (median / p95 / max)`;
  if (r.delays.length === 1) return s(r.delays[0] ?? 0);
  const sorted = [...r.delays].sort((a, b) => a - b);
  return `${s(sorted[Math.floor(sorted.length / 2)] ?? 0)} / ${s(sorted.at(-1) ?? 0)} (median / max)`;
}

const table = [
  "| execution | follower | calls per execution-hour | × floor (180) | × anchor (360) | end noticed after |",
  "| --- | --- | ---: | ---: | ---: | ---: |",
  ...rows.map(
    (r) =>
      `| ${r.shape} | ${r.variant} | ${r.callsPerHour.toFixed(0)} | ${(r.callsPerHour / FLOOR_PER_HOUR).toFixed(2)} | ${(r.callsPerHour / ANCHOR_PER_HOUR).toFixed(2)} | ${delays(r)} |`,
  ),
].join("\n");
console.log(table);
if (!process.env.BENCH_NO_WRITE) {
  appendFileSync(
    join(ROOT, "bench/results.md"),
    `\n## Following executions of different shapes (issue 19)\n\nVirtual clock, default intervals (--poll-interval 2s, --max-poll-interval 20s). Calls: the follower's Step Functions calls (GetExecutionHistory, DescribeExecution) in the local endpoint's request log, per hour of execution; the backfill's 30 StartExecution and one DescribeStateMachine are left out. Floor: one call every --max-poll-interval (180 an hour). Anchor: an AWS CLI loop polling every 10 s (360 an hour). "v2": v2's reader and poll cadence (bench/baseline/); "now": the current ones; "history known": each state's median and the run's expected end given to the schedule, the run lasting its medians or straying from them by up to the share said. End noticed: from the execution's stopDate to the follower's return.\n\n${table}\n`,
  );
}

// A 30-date backfill of one-hour executions, 5 at a time, on a fast clock:
// Step Functions calls per execution-hour, the peak call rate (calls in any
// 1 s of the endpoint's clock: what the account's token buckets see), and the
// delay from each execution's end to its notice.
//
// Each contender is a `followAll`: given the dates, it starts and follows one
// execution per date, at most `concurrency` at once, and says when it noticed
// each end. The baseline is what a Jenkins job does without `backfill`: 5
// separate `run` processes in parallel (xargs -P 5), each with its own client
// and its own poll loop (the real followExecution of src/execution/follow.ts
// with its HistoryReader and ExecutionTracker, default intervals 2 s growing
// to 20 s). The second contender is `batchinf backfill`'s own scheduler
// (src/backfill/follow-dates.ts): every date's startAndFollow on one shared
// client behind one ApiBudget of 5 calls per second.
//
// Time is virtual (test/helpers/virtual-time.ts): every sleep waits on it,
// and it only moves while no HTTP attempt is in flight, so the local endpoint
// stamps each call at the instant it was sent and six hours pass in seconds.
//
//   tsx bench/backfill.ts           prints the table, appends it to bench/results.md
//   BENCH_NO_WRITE=1 tsx bench/...  prints only

import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeStateMachineCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { API_BUDGET_MIDDLEWARE, type ApiBudget, attachApiBudget } from "../src/aws/api-budget.js";
import { BackfillBudget } from "../src/backfill/budget.js";
import { type DateJob, type FollowDatesDeps, followDates } from "../src/backfill/follow-dates.js";
import { followExecution } from "../src/execution/follow.js";
import { HistoryReader } from "../src/execution/history-reader.js";
import type { ExecutionEvent, ExecutionReport } from "../src/execution/model.js";
import type { Expectations } from "../src/execution/poll-schedule.js";
import { newReport, startAndFollow } from "../src/execution/service.js";
import { parseStateMachineArn } from "../src/execution/state-machine.js";
import { ExecutionTracker } from "../src/execution/tracker.js";
import { type Io, Logger } from "../src/io/log.js";
import { Secrets } from "../src/secrets/secrets.js";
import {
  createSfnService,
  type FakeAws,
  type ScriptPicker,
  type SfnService,
  startFakeAws,
} from "../test/fake-aws/index.js";
import { pipelineSucceeds } from "../test/fake-aws/sfn-scenarios.js";
import { ROOT } from "../test/helpers/seed.js";
import { peakInWindow, trackInFlight, VirtualTime } from "../test/helpers/virtual-time.js";

const T0 = Date.UTC(2023, 9, 14, 6, 0, 0);
const DATES = 30;
const CONCURRENCY = 5;
const HOUR = 3600_000;
/** Five 5-minute Glue jobs and a 35-minute Batch job, as in bench/follow.ts. */
export const SCRIPT = pipelineSucceeds({ glueMs: 5 * 60_000, batchMs: 35 * 60_000 });
const MACHINE_NAME = "batch-inference-DCP";

// ---------------------------------------------------------------------------
// What a contender gets and gives back

export interface BackfillPlan {
  stateMachineArn: string;
  /** Oldest first. */
  dates: string[];
  concurrency: number;
  /** The execution name `run --date D` would give. */
  nameFor(date: string): string;
  /** The input `run --date D` would compose. */
  inputFor(date: string): string;
}

export interface BenchWorld {
  fake: FakeAws;
  sfn: SfnService;
  /** The clock and sleep every contender must use. */
  time: VirtualTime;
  /** A client aimed at the local endpoint whose HTTP attempts hold virtual time still; with `budget`, behind it. */
  newClient(options?: { budget?: ApiBudget }): SFNClient;
  /** A logger that discards its lines (the bench measures calls, not text). */
  log: Logger;
  /** Never aborts: the bench runs to the end. */
  interrupt: AbortSignal;
}

/** When a contender noticed one execution's end. */
export interface Notice {
  date: string;
  executionArn: string;
  status: string;
  /** Virtual epoch ms. */
  noticedAt: number;
}

export interface Contender {
  label: string;
  followAll(plan: BackfillPlan, world: BenchWorld): Promise<Notice[]>;
}

/** run's and backfill's defaults. */
const FOLLOW = {
  pollInterval: 2_000,
  maxPollInterval: 20_000,
  stopOnTimeout: false,
  onAbort: "detach" as const,
  abortTimeout: 4_000,
};

// ---------------------------------------------------------------------------
// The baseline: 5 separate `run` processes in parallel

/**
 * `printf '%s\n' $DATES | xargs -P 5 -I{} batchinf run --date {}`: each
 * worker takes the next date, and like one `run` process builds its own
 * client, describes the state machine, starts the execution and follows it
 * to its end. (Each process's SSM read is left out: it is not a Step
 * Functions call.)
 */
export const separateRuns: Contender = {
  label: `${CONCURRENCY} separate \`run\` processes in parallel`,
  async followAll(plan, world) {
    const queue = [...plan.dates];
    const notices: Notice[] = [];
    const worker = async () => {
      for (let date = queue.shift(); date !== undefined; date = queue.shift()) {
        const client = world.newClient();
        await client.send(new DescribeStateMachineCommand({ stateMachineArn: plan.stateMachineArn }));
        const started = await client.send(
          new StartExecutionCommand({
            stateMachineArn: plan.stateMachineArn,
            name: plan.nameFor(date),
            input: plan.inputFor(date),
          }),
        );
        const executionArn = started.executionArn as string;
        const startedAt = started.startDate?.getTime() ?? world.time.now();
        const tracker = new ExecutionTracker(() => undefined, startedAt);
        const reader = new HistoryReader(
          client,
          executionArn,
          (event) => tracker.apply(event),
          world.time.now,
        );
        const outcome = await followExecution(executionArn, startedAt, tracker, reader, FOLLOW, {
          client,
          region: "ap-south-1",
          now: world.time.now,
          sleep: world.time.sleep,
          interrupt: world.interrupt,
          emit: () => undefined,
        });
        notices.push({
          date,
          executionArn,
          status: outcome.kind === "ended" ? outcome.status : outcome.kind,
          noticedAt: world.time.now(),
        });
        client.destroy();
      }
    };
    await Promise.all(Array.from({ length: plan.concurrency }, worker));
    return notices;
  },
};

// ---------------------------------------------------------------------------
// Measuring one contender

export interface Figures {
  label: string;
  executions: number;
  executionHours: number;
  calls: Record<string, number>;
  callsPerExecutionHour: number;
  /** Most calls the endpoint saw in any half-open second of its clock. */
  peakRate: number;
  /** Most executions RUNNING at once. */
  maxRunning: number;
  /** From each execution's stopDate to its notice, virtual ms. */
  delay: { median: number; p95: number; max: number };
  virtualHours: number;
  wallSeconds: number;
}

const silentIo: Io = { stdout: () => undefined, stderr: () => undefined, stderrIsTTY: false, env: {} };

/** `scriptFor`: each date's own script, by execution name (default: SCRIPT for all). */
export async function measure(contender: Contender, scriptFor?: ScriptPicker): Promise<Figures> {
  const time = new VirtualTime(T0);
  const clock = { now: time.now };
  const sfn = createSfnService({ accountId: "731580992380", region: "ap-south-1", clock });
  const fake = await startFakeAws({ services: [sfn], clock });
  const stateMachineArn = sfn.addStateMachine({ name: MACHINE_NAME, script: SCRIPT });
  if (scriptFor) sfn.setScriptForName(stateMachineArn, scriptFor);
  const world: BenchWorld = {
    fake,
    sfn,
    time,
    log: new Logger(silentIo),
    interrupt: new AbortController().signal,
    newClient: ({ budget } = {}) => {
      // As src/aws/clients.ts builds them: adaptive retries, 6 attempts.
      const client = new SFNClient({ ...fake.clientConfig(), retryMode: "adaptive", maxAttempts: 6 });
      if (budget) attachApiBudget(client, budget);
      return trackInFlight(client, time, budget ? API_BUDGET_MIDDLEWARE : "retryMiddleware");
    },
  };
  const plan: BackfillPlan = {
    stateMachineArn,
    dates: datesFrom("2023-09-01", DATES),
    concurrency: CONCURRENCY,
    nameFor: (date) => `batch-inference-${date.replaceAll("-", "")}`,
    inputFor: (date) =>
      JSON.stringify({ year: date.slice(0, 4), month: date.slice(5, 7), day: date.slice(8, 10) }),
  };
  const wallStart = Date.now();
  try {
    const notices = await time.run(contender.followAll(plan, world));
    const wallSeconds = (Date.now() - wallStart) / 1000;
    const executions = sfn.executions(time.now());
    if (notices.length !== DATES || executions.length !== DATES) {
      throw new Error(`${contender.label}: ${notices.length} notices for ${executions.length} executions`);
    }
    const delays = notices.map((notice) => {
      const stop = sfn.getExecution(notice.executionArn, time.now())?.stopDate;
      if (stop === undefined) throw new Error(`${notice.date}: noticed an end that has not happened`);
      return notice.noticedAt - stop;
    });
    const executionMs = executions.reduce((sum, e) => sum + ((e.stopDate ?? time.now()) - e.startDate), 0);
    const calls: Record<string, number> = {};
    for (const call of fake.calls) calls[call.operation] = (calls[call.operation] ?? 0) + 1;
    return {
      label: contender.label,
      executions: executions.length,
      executionHours: executionMs / HOUR,
      calls,
      callsPerExecutionHour: fake.calls.length / (executionMs / HOUR),
      peakRate: peakInWindow(fake.calls.map((call) => call.at)),
      maxRunning: sfn.maxConcurrentRunning(stateMachineArn, time.now()),
      delay: { median: percentile(delays, 50), p95: percentile(delays, 95), max: Math.max(...delays) },
      virtualHours: (time.now() - T0) / HOUR,
      wallSeconds,
    };
  } finally {
    await fake.close();
  }
}

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

function datesFrom(first: string, count: number): string[] {
  const start = Date.parse(`${first}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(start + i * 24 * HOUR).toISOString().slice(0, 10));
}

export function table(rows: readonly Figures[]): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return [
    "| contender | Step Functions calls (by operation) | calls per execution-hour | peak calls in any 1 s | most running | end -> notice median / p95 / max | virtual time | wall time |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((row) => {
      const total = Object.values(row.calls).reduce((a, b) => a + b, 0);
      const detail = Object.entries(row.calls)
        .sort((a, b) => b[1] - a[1])
        .map(([op, n]) => `${op} ${n}`)
        .join(", ");
      return `| ${row.label} | ${total}: ${detail} | ${row.callsPerExecutionHour.toFixed(0)} | ${row.peakRate} | ${row.maxRunning} | ${seconds(row.delay.median)} / ${seconds(row.delay.p95)} / ${seconds(row.delay.max)} | ${row.virtualHours.toFixed(1)} h | ${row.wallSeconds.toFixed(1)} s |`;
    }),
  ].join("\n");
}

// ---------------------------------------------------------------------------
// The backfill scheduler: what `batchinf backfill --concurrency 5` runs after
// composing and validating (one client, one budget of --max-api-rate 5, one
// DescribeStateMachine; the one ListExecutions of a real backfill is left out
// like the SSM reads: it is 1 call in thousands).

export interface SchedulerVariant {
  label?: string;
  /** Default: the execution core's. */
  startAndFollow?: FollowDatesDeps["startAndFollow"];
  /** What past runs say about a date's execution, once it has started (`--history`). */
  expectations?: (report: ExecutionReport) => Expectations | undefined;
}

/** The backfill scheduler, as the CLI runs it or with one part swapped (bench/follow-shapes.ts). */
export const backfillSchedulerWith = (variant: SchedulerVariant): Contender => ({
  label: variant.label ?? `\`batchinf backfill --concurrency ${CONCURRENCY}\` (one client, --max-api-rate 5)`,
  async followAll(plan, world) {
    const budget = new BackfillBudget({ ratePerSecond: 5, now: world.time.now, sleep: world.time.sleep });
    const client = world.newClient({ budget });
    const machine = parseStateMachineArn(plan.stateMachineArn);
    await client.send(new DescribeStateMachineCommand({ stateMachineArn: plan.stateMachineArn }));
    const jobs: DateJob[] = plan.dates.map((date) => ({
      date,
      running: false,
      report: newReport({ label: date }),
      job: {
        machine,
        name: plan.nameFor(date),
        input: plan.inputFor(date),
        redrive: false,
        secretKeys: new Set<string>(),
        ssmKeys: new Set<string>(),
      },
    }));
    const notices: Notice[] = [];
    const secrets = new Secrets();
    const expectationsOf = (date: string) => () => {
      const job = jobs.find((j) => j.date === date);
      return job && variant.expectations?.(job.report);
    };
    await followDates(
      jobs,
      {
        concurrency: plan.concurrency,
        failFast: false,
        interrupt: world.interrupt,
        flow: { ...FOLLOW, wait: true, dryRun: false },
        now: world.time.now,
      },
      {
        startAndFollow: variant.startAndFollow ?? startAndFollow,
        depsFor: (date) => ({
          ...(variant.expectations ? { expectations: expectationsOf(date) } : {}),
          client,
          secrets,
          now: world.time.now,
          sleep: world.time.sleep,
          interrupt: world.interrupt,
          emit: (event: ExecutionEvent) => {
            if (event.type !== "ended") return;
            notices.push({
              date,
              executionArn: event.report.executionArn ?? "?",
              status: event.report.status,
              noticedAt: event.at,
            });
          },
          consoleUrl: () => undefined,
        }),
        onError: (date, error) => {
          throw new Error(`${date}: ${String(error)}`);
        },
      },
    );
    client.destroy();
    return notices;
  },
});

export const backfillScheduler = backfillSchedulerWith({});

const CONTENDERS: Contender[] = [separateRuns, backfillScheduler];

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  // The SDK's notice that Node 20 support ends, once per client: not a finding of this bench.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const rows: Figures[] = [];
  for (const contender of CONTENDERS) rows.push(await measure(contender));
  const text = table(rows);
  console.log(text);
  if (!process.env.BENCH_NO_WRITE) {
    appendFileSync(
      join(ROOT, "bench/results.md"),
      `\n## A backfill: ${DATES} one-hour executions, ${CONCURRENCY} at a time\n\nFast clock (virtual time; the local endpoint stamps each call when it is sent). Calls are the Step Functions calls the endpoint received, retries included. "end -> notice": from the execution's stopDate to the moment the contender knew it had ended.\n\n${text}\n`,
    );
  }
}

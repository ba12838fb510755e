// --history's read of past runs (issue 18): for N = 10 successful executions
// of 100 and of 2,000 history events each, the calls it makes, its wall time
// with 100 ms of latency on every call (the local endpoint's latency fault),
// at --max-api-rate 5 (the default) and unpaced, and the peak heap and RSS
// growth while it reads. The unpaced read, measured in the same run, is the
// baseline the pacing is set against.
//
//   npx tsx bench/past-runs.ts      (also part of `npm run bench`)
//
// Writes bench/results-past-runs.md.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { ApiBudget } from "../src/aws/api-budget.js";
import { readPastRuns } from "../src/watch/past-runs.js";
import { createSfnService, type ExecutionScript, startFakeAws } from "../test/fake-aws/index.js";
import { glueJobState } from "../test/fake-aws/sfn-scenarios.js";
import { ROOT } from "../test/helpers/seed.js";

const REGION = "ap-south-1";
const RUNS = 10;
const MiB = 1024 * 1024;

/** A Glue task (6 events) and a Map of n Pass iterations (4 + 4n events), plus start and end: 12 + 4n events. */
function scriptOf(events: number): ExecutionScript {
  const iterations = Math.round((events - 12) / 4);
  return {
    states: [
      glueJobState("Prepare", { durationMs: 60_000 }),
      { name: "ScoreEach", type: "Map", iterations, durationMs: 600_000 },
    ],
    outcome: "SUCCEEDED",
  };
}

interface Figures {
  calls: number;
  ms: number;
  heapMiB: number;
  rssMiB: number;
}

async function measure(read: () => Promise<number>): Promise<Figures> {
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  let heap = heap0;
  let rss = rss0;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    heap = Math.max(heap, m.heapUsed);
    rss = Math.max(rss, m.rss);
  }, 5);
  const t0 = performance.now();
  const calls = await read();
  const ms = performance.now() - t0;
  clearInterval(timer);
  const m = process.memoryUsage();
  heap = Math.max(heap, m.heapUsed);
  rss = Math.max(rss, m.rss);
  return { calls, ms, heapMiB: (heap - heap0) / MiB, rssMiB: (rss - rss0) / MiB };
}

async function main(): Promise<void> {
  let now = Date.UTC(2023, 9, 1);
  const clock = { now: () => now };
  const sfn = createSfnService({ region: REGION, clock });
  const fake = await startFakeAws({ services: [sfn], clock });
  const client = new SFNClient({ ...fake.clientConfig(REGION), maxAttempts: 1 });
  const rows: string[] = [];
  for (const events of [100, 2000]) {
    const arn = sfn.addStateMachine({ name: `past-${events}`, script: scriptOf(events) });
    for (let i = 0; i < RUNS; i++) {
      await client.send(new StartExecutionCommand({ stateMachineArn: arn, name: `run-${i}`, input: "{}" }));
      now += 3_600_000;
    }
    const exact = sfn.executions().find((e) => e.stateMachineArn === arn)?.timeline.length;
    fake.faults.add({ kind: "latency", ms: 100 });
    const signal = new AbortController().signal;
    const paced = (rate: number | undefined) => {
      const budget = rate
        ? new ApiBudget({
            ratePerSecond: rate,
            now: () => performance.now(),
            sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
          })
        : undefined;
      return async () =>
        (
          await readPastRuns(client, arn, {
            count: RUNS,
            signal,
            pace: async (operation, s) => budget?.take(operation, s),
          })
        ).calls;
    };
    const atRate = await measure(paced(5));
    const unpaced = await measure(paced(undefined));
    fake.faults.clear();
    rows.push(
      `| ${RUNS} x ${exact} | ${atRate.calls} | ${(atRate.ms / 1000).toFixed(2)} s | ${(unpaced.ms / 1000).toFixed(2)} s | ${atRate.heapMiB.toFixed(1)} MiB | ${atRate.rssMiB.toFixed(1)} MiB |`,
    );
  }
  await fake.close();
  const text = `# --history: reading the last 10 successful runs

Measured by \`npx tsx bench/past-runs.ts\` on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}),
against the local endpoint with 100 ms of latency added to every call. One
ListExecutions, then each history forward in pages of 1,000 without its data
(\`includeExecutionData: false\`), folded into durations page by page.

| runs x events | calls | wall time at --max-api-rate 5 | unpaced | peak heap growth | peak RSS growth |
| --- | --- | --- | --- | --- | --- |
${rows.join("\n")}

The calls are 1 + runs x ceil(events / 1,000). At the default rate the read
is paced at one call per 200 ms, so it takes about calls x 200 ms however
fast AWS answers; it runs in the background after the start and delays
nothing.
`;
  writeFileSync(join(ROOT, "bench", "results-past-runs.md"), text);
  process.stdout.write(text);
}

await main();

// What the time bounds cost.
//
// 1. Per call, in this process: DescribeExecution against the local endpoint
//    through a client with the SDK's default handler and through one with
//    batchinf's bounded handler (connect/request/socket timeouts), in
//    alternating blocks; the median per-call time of each and their ratio.
// 2. On a normal run, when BASE_DIST names the dist of a build without the
//    bounds: the seed's `run` (a 6-state execution of 0.7 s, --result-file)
//    and a live `render`, each build in alternating rounds against one local
//    endpoint; median wall time, the AWS calls each run made, the ratio.
//
//   [BASE_DIST=/path/to/old/dist] tsx bench/bounded-cost.ts   (BENCH_RUNS=N, default 15)

import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { boundedRequestHandler } from "../src/aws/clients.js";
import { createSfnService, createSsmService, startFakeAws } from "../test/fake-aws/index.js";
import { seedParameterStore } from "../test/fake-aws/seed.js";
import { pipelineSucceeds } from "../test/fake-aws/sfn-scenarios.js";
import { cleanEnv } from "../test/helpers/cli.js";
import { seedWorkspace } from "../test/helpers/seed.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RUNS = Math.max(5, Number.parseInt(process.env.BENCH_RUNS ?? "15", 10) || 15);
const BASE = process.env.BASE_DIST;

const ssm = createSsmService({ accountId: "731580992380", region: "ap-south-1" });
seedParameterStore(ssm);
const sfn = createSfnService({ accountId: "731580992380", region: "ap-south-1" });
const seedArn = sfn.addStateMachine({
  name: "batch-inference-DCP",
  script: pipelineSucceeds({ glueMs: 100, batchMs: 200 }),
});
const fake = await startFakeAws({ services: [ssm, sfn] });

// ---------------------------------------------------------------- 1. per call

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
{
  const config = { ...fake.clientConfig("ap-south-1"), maxAttempts: 1 };
  const plain = new SFNClient(config);
  const bounded = new SFNClient({ ...config, requestHandler: boundedRequestHandler(30_000) });
  const started = await plain.send(
    new StartExecutionCommand({ stateMachineArn: seedArn, name: `bench-${process.pid}`, input: "{}" }),
  );
  const describe = new DescribeExecutionCommand({ executionArn: started.executionArn });
  const perCall: Record<"plain" | "bounded", number[]> = { plain: [], bounded: [] };
  const BLOCK = 50;
  for (let block = 0; block <= RUNS * 2; block++) {
    for (const [name, client] of (block % 2
      ? [
          ["plain", plain],
          ["bounded", bounded],
        ]
      : [
          ["bounded", bounded],
          ["plain", plain],
        ]) as Array<["plain" | "bounded", SFNClient]>) {
      const began = performance.now();
      for (let i = 0; i < BLOCK; i++) await client.send(describe);
      if (block > 0) perCall[name].push((performance.now() - began) / BLOCK);
    }
  }
  const p = median(perCall.plain);
  const b = median(perCall.bounded);
  console.log(
    `per DescribeExecution (${RUNS * 2} blocks of ${BLOCK}, medians): SDK default handler ${(p * 1000).toFixed(0)} us, bounded ${(b * 1000).toFixed(0)} us, ratio ${(b / p).toFixed(3)}`,
  );
  plain.destroy();
  bounded.destroy();
}
if (!BASE) {
  await fake.close();
  process.exit(0);
}
const builds = { base: join(BASE, "batchinf.cjs"), new: join(ROOT, "dist/batchinf.cjs") };

// ---------------------------------------------------------------- 2. a normal run, two builds

const env = { ...fake.env({ region: "ap-south-1" }), NO_COLOR: "1" };

function execute(bin: string, args: string[], cwd: string): Promise<{ code: number | null; ms: number }> {
  const began = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: cleanEnv(env), stdio: "ignore" });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, ms: performance.now() - began }));
  });
}

let executions = 0;
const cases = {
  render: (cwd: string) => ["render", "--ssm-path", "/mlops/dcp/", "--date", "2023-10-14", "--repo-dir", cwd],
  run: (cwd: string) => [
    "run",
    "--ssm-path",
    "/mlops/dcp/",
    "--date",
    "2023-10-14",
    "--repo-dir",
    cwd,
    "--execution-name",
    `bench-${process.pid}-${++executions}`,
    "--poll-interval",
    "100ms",
    "--max-poll-interval",
    "500ms",
    "--result-file",
    join(cwd, "result.json"),
  ],
};
type Case = keyof typeof cases;
type Build = keyof typeof builds;
const times: Record<string, number[]> = {};
const calls: Record<string, number[]> = {};

// A discarded warm-up round, then interleaved rounds: the machine's noise falls on both builds alike.
for (let round = 0; round <= RUNS; round++) {
  for (const name of Object.keys(cases) as Case[]) {
    for (const build of (round % 2 ? ["base", "new"] : ["new", "base"]) as Build[]) {
      const cwd = seedWorkspace();
      fake.resetCalls();
      const { code, ms } = await execute(builds[build], cases[name](cwd), cwd);
      if (code !== 0) throw new Error(`${build} ${name} exited ${code}`);
      if (round === 0) continue;
      const key = `${name}/${build}`;
      times[key] = [...(times[key] ?? []), ms];
      calls[key] = [...(calls[key] ?? []), fake.calls.length];
    }
  }
}
await fake.close();

const rows = (Object.keys(cases) as Case[]).map((name) => {
  const base = median(times[`${name}/base`] ?? []);
  const now = median(times[`${name}/new`] ?? []);
  const baseCalls = median(calls[`${name}/base`] ?? []);
  const newCalls = median(calls[`${name}/new`] ?? []);
  return `| ${name} | ${base.toFixed(0)} ms | ${now.toFixed(0)} ms | ${(now / base).toFixed(3)} | ${baseCalls} | ${newCalls} |`;
});
console.log(
  [
    `${RUNS} rounds, medians`,
    "| case | base | with bounds | ratio | calls base | calls with bounds |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n"),
);

// `npm run bench` (part): preflight of the seed's pipeline against the local
// endpoint with 100 ms of latency on every call, as the built binary runs it
// in Jenkins: its wall time (goal: under 1 s, i.e. no chain of more than a
// few calls in a row) and the calls it made; against, in the same run, the
// time the same calls would take one after another (the baseline a
// sequential preflight would cost). Then the cold start of `render
// --dry-run` (which must not load preflight) against the bin built from
// BENCH_BASE_REF (default: main), interleaved, same run.
//
//   BENCH_RUNS=N        rounds (default 7)
//   BENCH_BASE_REF=REF  the commit whose bin is the cold-start baseline
//
// Prints a markdown table and writes it to bench/results-preflight.md.

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createBatchService,
  createPreflightServices,
  createSfnService,
  createSsmService,
  seedPipelineDefinition,
  seedPipelineResources,
  startFakeAws,
} from "../test/fake-aws/index.js";
import { SSM_PATH, seedParameterStore } from "../test/fake-aws/seed.js";
import { pipelineSucceeds } from "../test/fake-aws/sfn-scenarios.js";
import { seedWorkspace } from "../test/helpers/seed.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "dist/batchinf.cjs");
const RUNS = Math.max(3, Number.parseInt(process.env.BENCH_RUNS ?? "7", 10) || 7);
const LATENCY_MS = 100;
const log = (line: string) => process.stderr.write(`${line}\n`);

if (!existsSync(BIN)) execFileSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { stdio: "inherit" });

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

// ------------------------------------------------------------ preflight

const ssm = createSsmService({ accountId: "731580992380", region: "ap-south-1" });
const sfn = createSfnService({ accountId: "731580992380", region: "ap-south-1" });
const batch = createBatchService({ sfn });
seedParameterStore(ssm);
const preflightServices = createPreflightServices();
seedPipelineResources(preflightServices, batch, ssm);
const machine = sfn.addStateMachine({
  name: "batch-inference-DCP",
  definition: seedPipelineDefinition(),
  script: pipelineSucceeds({ glueMs: 100, batchMs: 200 }),
});
const fake = await startFakeAws({ services: [ssm, sfn, batch, ...preflightServices.all] });
const baseEnv = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: process.env.HOME ?? "/tmp",
  NO_COLOR: "1",
  AWS_CONFIG_FILE: "/nonexistent/aws-config",
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
};

interface PreflightRun {
  preflightMs: number;
  commandMs: number;
  calls: number;
  checks: number;
  resources: number;
}

async function runPreflight(latency: number): Promise<PreflightRun> {
  fake.faults.clear();
  if (latency > 0) fake.faults.add({ kind: "latency", ms: latency });
  const cwd = seedWorkspace();
  const resultFile = join(cwd, "result.json");
  const started = performance.now();
  // Not spawnSync: the local endpoint answers from this process's event loop.
  const child = spawn(
    process.execPath,
    [
      BIN,
      "preflight",
      "--ssm-path",
      SSM_PATH,
      "--date",
      "2023-10-14",
      "--state-machine-arn",
      machine,
      "--result-file",
      resultFile,
    ],
    { cwd, env: { ...baseEnv, ...fake.env({ region: "ap-south-1" }) }, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const commandMs = performance.now() - started;
  if (status !== 0) throw new Error(`preflight exited ${status}: ${stderr}`);
  const report = JSON.parse(readFileSync(resultFile, "utf8")).preflight as {
    durationMs: number;
    calls: number;
    checks: Array<{ kind: string }>;
  };
  return {
    preflightMs: report.durationMs,
    commandMs,
    calls: report.calls,
    checks: report.checks.length,
    resources: report.checks.filter((c) => c.kind !== "role-permissions" && c.kind !== "task-parameter")
      .length,
  };
}

log(`preflight of the seed's pipeline, ${RUNS} rounds, ${LATENCY_MS} ms latency per call...`);
await runPreflight(0); // warm-up (page cache)
const slow: PreflightRun[] = [];
const fast: PreflightRun[] = [];
for (let i = 0; i < RUNS; i++) {
  slow.push(await runPreflight(LATENCY_MS));
  fast.push(await runPreflight(0));
}
await fake.close();
const first = slow[0] as PreflightRun;
const preflightMedian = median(slow.map((r) => r.preflightMs));
const sequentialMs = first.calls * LATENCY_MS;

// ------------------------------------------------------------ cold start of render --dry-run

const baseRef = process.env.BENCH_BASE_REF ?? "main";
const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
const base = execFileSync("git", ["rev-parse", baseRef], { cwd: ROOT, encoding: "utf8" }).trim();
let coldStart: { base: number; head: number; node: number } | undefined;
if (base === head) {
  log(`cold start: ${baseRef} is HEAD; set BENCH_BASE_REF to the commit to compare with`);
} else {
  const tree = mkdtempSync(join(tmpdir(), "batchinf-base-"));
  execFileSync("git", ["worktree", "add", "--detach", "-q", tree, base], { cwd: ROOT });
  try {
    symlinkSync(join(ROOT, "node_modules"), join(tree, "node_modules"));
    execFileSync(process.execPath, [join(tree, "scripts/build.mjs")], { cwd: tree, stdio: "ignore" });
    const cwd = seedWorkspace();
    const render = (bin: string) => {
      const started = performance.now();
      const child = spawnSync(
        process.execPath,
        [bin, "render", "--dry-run", "--ssm-file", "ssm.json", "--date", "2023-10-14"],
        { cwd, env: baseEnv, encoding: "utf8" },
      );
      if (child.status !== 0) throw new Error(`render exited ${child.status}: ${child.stderr}`);
      return performance.now() - started;
    };
    const node = () => {
      const started = performance.now();
      spawnSync(process.execPath, ["-e", "0"], { env: baseEnv });
      return performance.now() - started;
    };
    const baseBin = join(tree, "dist/batchinf.cjs");
    render(BIN);
    render(baseBin);
    const times = { base: [] as number[], head: [] as number[], node: [] as number[] };
    // Interleaved, and which bin goes first alternates: the second of two starts in a row runs warmer.
    for (let i = 0; i < RUNS * 3; i++) {
      times.node.push(node());
      if (i % 2 === 0) {
        times.base.push(render(baseBin));
        times.head.push(render(BIN));
      } else {
        times.head.push(render(BIN));
        times.base.push(render(baseBin));
      }
    }
    coldStart = { base: median(times.base), head: median(times.head), node: median(times.node) };
  } finally {
    execFileSync("git", ["worktree", "remove", "--force", tree], { cwd: ROOT });
    rmSync(tree, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------ report

const ms = (x: number) => x.toFixed(0);
const lines = [
  "# Benchmark: preflight",
  "",
  "Generated by `npm run bench` (bench/preflight.ts).",
  "",
  `Preflight of the seed's pipeline (${first.resources} resources, ${first.checks} checks with the role's permissions) by the built binary against the local endpoint; ${RUNS} rounds, medians.`,
  "",
  "| case | preflight ms | whole command ms | AWS calls |",
  "| --- | ---: | ---: | ---: |",
  `| ${LATENCY_MS} ms latency on every call | ${ms(preflightMedian)} | ${ms(median(slow.map((r) => r.commandMs)))} | ${first.calls} |`,
  `| no added latency | ${ms(median(fast.map((r) => r.preflightMs)))} | ${ms(median(fast.map((r) => r.commandMs)))} | ${(fast[0] as PreflightRun).calls} |`,
  `| baseline: the same calls one after another at ${LATENCY_MS} ms | ${ms(sequentialMs)} | | ${first.calls} |`,
  "",
  `- goal under 1 s: **${preflightMedian < 1000 ? "met" : "not met"}** (${ms(preflightMedian)} ms, ${(sequentialMs / preflightMedian).toFixed(1)}x faster than one after another; ${(preflightMedian / LATENCY_MS).toFixed(1)} call latencies in a row)`,
  coldStart
    ? `- cold start of \`render --dry-run\`: ${ms(coldStart.head)} ms here, ${ms(coldStart.base)} ms at ${baseRef} (${base.slice(0, 7)}), ratio ${(coldStart.head / coldStart.base).toFixed(2)}; \`node -e 0\` ${ms(coldStart.node)} ms (${RUNS * 3} interleaved rounds)`
    : `- cold start of \`render --dry-run\`: not compared (${baseRef} is HEAD)`,
  `- node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "?"}; ${new Date().toISOString()}`,
  "",
];
const text = lines.join("\n");
process.stdout.write(text);
writeFileSync(join(ROOT, "bench/results-preflight.md"), text);

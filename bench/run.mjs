// `npm run bench`: cold-start time and peak memory of the built CLI, each as a
// ratio to `node -e 0` measured in the same run, and `validate` of 1,000 files
// against ajv-cli on the same schema and the same files.
//
// Every command is a fresh process, as in a Jenkins `sh` step. The rounds are
// interleaved (each round runs every case once, baseline included) so that
// noise from the machine spreads over all cases alike; a first round is a
// discarded warm-up (page cache). Peak RSS comes from separate runs under
// GNU time (`/usr/bin/time -f %M`), else from the child's own
// process.resourceUsage().maxRSS through a preloaded module.
//
// The live cases run against the local AWS endpoint of the tests
// (test/fake-aws), started inside this process on 127.0.0.1; tsx loads it.
//
//   BENCH_RUNS=N   timed rounds (default 15, at least 5)
//
// Prints a markdown table and writes it, with the machine, to bench/results.md.

import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { cpus, platform, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "dist/batchinf.cjs");
const AJV_CLI = join(ROOT, "node_modules/ajv-cli/dist/index.js");
const SCHEMA = join(ROOT, "schemas/batch-inference-input.schema.json");
const RUNS = Math.max(5, Number.parseInt(process.env.BENCH_RUNS ?? "15", 10) || 15);
const FILES = 1000;
const INVALID_EVERY = 20;
const SEED_DATE = "2023-10-14";
const NODE = process.execPath;
const started = Date.now();

const log = (line) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------- build

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

const sourcesMtime = Math.max(newestMtime(join(ROOT, "src")), newestMtime(join(ROOT, "schemas")));
if (!existsSync(BIN) || statSync(BIN).mtimeMs < sourcesMtime) {
  log(existsSync(BIN) ? "dist is older than src: building" : "dist missing: building");
  const built = spawnSync(NODE, [join(ROOT, "scripts/build.mjs")], { cwd: ROOT, stdio: "inherit" });
  if (built.status !== 0) throw new Error("build failed");
}
if (!existsSync(AJV_CLI)) throw new Error("ajv-cli is not installed; run npm ci");

// ---------------------------------------------------------------- fixtures

const { register } = await import("tsx/esm/api");
register();
const { startFakeAws, createSsmService, createSfnService, createPreflightServices, seedPipelineResources } =
  await import("../test/fake-aws/index.ts");
const { pipelineSucceeds } = await import("../test/fake-aws/sfn-scenarios.ts");
const { seedWorkspace, seedSample } = await import("../test/helpers/seed.ts");

const temp = mkdtempSync(join(tmpdir(), "batchinf-bench-"));
const workspace = seedWorkspace();
const expectedSample = seedSample();

// 1,000 payloads: the valid fixtures in turn, every 20th replaced by a payload
// that breaks the schema (so both tools must report the same 50 files).
const validDir = join(ROOT, "fixtures/payloads/valid");
const valid = readdirSync(validDir)
  .filter((name) => name.endsWith(".json"))
  .sort();
const invalid = [
  "month-13.json",
  "bucket-uppercase.json",
  "type-number-year.json",
  "missing-required-year.json",
  "region-malformed.json",
  "unknown-key-misspelt.json",
];
const payloads = join(temp, "payloads");
mkdirSync(payloads);
let invalidCount = 0;
for (let i = 0; i < FILES; i++) {
  const name = `payload-${String(i).padStart(4, "0")}.json`;
  if (i % INVALID_EVERY === INVALID_EVERY - 1) {
    copyFileSync(
      join(ROOT, "fixtures/payloads/invalid", invalid[invalidCount % invalid.length]),
      join(payloads, name),
    );
    invalidCount++;
  } else {
    copyFileSync(join(validDir, valid[i % valid.length]), join(payloads, name));
  }
}
const oneFile = join(temp, "one.json");
copyFileSync(join(validDir, "seed-sample.json"), oneFile);
const glob = join(payloads, "*.json");

// The local endpoint: the seed's Terraform outputs under /mlops/dcp/ and a
// state machine whose executions run the six pipeline states in 0.7 s.
const ssm = createSsmService();
const seedSsm = JSON.parse(readFileSync(join(ROOT, "fixtures/seed/ssm.json"), "utf8"));
for (const [key, value] of Object.entries(seedSsm)) ssm.putParameter({ name: `/mlops/dcp/${key}`, value });
const sfn = createSfnService({ accountId: "731580992380", region: "ap-south-1" });
sfn.addStateMachine({ name: "batch-inference-DCP", script: pipelineSucceeds({ glueMs: 100, batchMs: 200 }) });
// What run's preflight reads (Glue, S3, IAM...), holding the pipeline's resources.
const preflight = createPreflightServices();
seedPipelineResources(preflight, undefined, ssm);
const fake = await startFakeAws({ services: [ssm, sfn, ...preflight.all] });

const baseEnv = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: process.env.HOME ?? "/tmp",
  NO_COLOR: "1",
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_CONFIG_FILE: "/nonexistent/aws-config",
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
};
const liveEnv = { ...baseEnv, ...fake.env() };

// ---------------------------------------------------------------- cases

let executions = 0;
const sameAsSample = (stdout) => JSON.stringify(JSON.parse(stdout)) === JSON.stringify(expectedSample);

/**
 * target: { ratio: max } against node -e 0, { fasterThan: [caseId, factor] },
 * or { rssMiB: max }; check(stdout) must hold on every run.
 */
const cases = [
  { id: "baseline", label: "`node -e 0` (baseline)", args: () => ["-e", "0"], code: 0 },
  {
    id: "version",
    label: "`--version`",
    args: () => [BIN, "--version"],
    code: 0,
    target: { ratio: 1.3 },
    check: (stdout) => /^\d+\.\d+\.\d+/.test(stdout),
  },
  {
    id: "render-dry",
    label: "`render --dry-run`",
    args: () => [BIN, "render", "--dry-run", "--ssm-file", "ssm.json", "--date", SEED_DATE],
    cwd: workspace,
    code: 0,
    target: { ratio: 1.8 },
    check: sameAsSample,
  },
  {
    id: "validate-1",
    label: "`validate` 1 file",
    args: () => [BIN, "validate", oneFile],
    code: 0,
  },
  {
    id: "validate-1000",
    label: `\`validate\` ${FILES.toLocaleString("en")} files`,
    args: () => [BIN, "validate", glob],
    code: 2,
    target: { fasterThan: ["ajv-1000", 2] },
  },
  {
    id: "ajv-1000",
    label: `ajv-cli 5 \`--spec=draft2020\`, ${FILES.toLocaleString("en")} files`,
    args: () => [AJV_CLI, "validate", "--spec=draft2020", "-s", SCHEMA, "-d", glob],
    code: 1,
  },
  {
    id: "render-live",
    label: "live `render --ssm-path` (local endpoint)",
    args: () => [BIN, "render", "--ssm-path", "/mlops/dcp/", "--date", SEED_DATE],
    cwd: workspace,
    env: liveEnv,
    code: 0,
    target: { ratio: 3 },
    check: sameAsSample,
  },
  {
    id: "run",
    label: "`run`, 6-state execution of 0.7 s (local endpoint)",
    args: () => [
      BIN,
      "run",
      "--ssm-path",
      "/mlops/dcp/",
      "--date",
      SEED_DATE,
      "--execution-name",
      `bench-${started}-${++executions}`,
      "--poll-interval",
      "100ms",
      "--max-poll-interval",
      "500ms",
    ],
    cwd: workspace,
    env: liveEnv,
    code: 0,
    target: { rssMiB: 100 },
  },
];

// ---------------------------------------------------------------- measuring

function execute(args, { cwd = temp, env = baseEnv, wrap = [] } = {}) {
  return new Promise((resolve, reject) => {
    const command = wrap.length ? wrap[0] : NODE;
    const argv = wrap.length ? [...wrap.slice(1), NODE, ...args] : args;
    const t0 = process.hrtime.bigint();
    const child = spawn(command, argv, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code, stdout, stderr });
    });
  });
}

async function once(spec, options = {}) {
  const result = await execute(spec.args(), { cwd: spec.cwd, env: spec.env, ...options });
  if (result.code !== spec.code || (spec.check && !spec.check(result.stdout))) {
    throw new Error(
      `${spec.id}: exit ${result.code} (expected ${spec.code})${spec.check ? " or unexpected output" : ""}\n` +
        `stdout: ${result.stdout.slice(0, 2000)}\nstderr: ${result.stderr.slice(0, 2000)}`,
    );
  }
  return result;
}

/** Peak RSS in KiB: GNU time when it works here, else the child's own maxRSS. */
const gnuTime = existsSync("/usr/bin/time") && spawnSync("/usr/bin/time", ["-f", "%M", "true"]).status === 0;
const rssFile = join(temp, "rss");
const preload = join(temp, "maxrss.mjs");
writeFileSync(
  preload,
  'import { writeFileSync } from "node:fs";\n' +
    "process.on('exit', () => writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));\n",
);

async function peakRss(spec) {
  rmSync(rssFile, { force: true });
  if (gnuTime) {
    await once(spec, { wrap: ["/usr/bin/time", "-f", "%M", "-o", rssFile] });
  } else {
    const args = spec.args();
    await once(
      { ...spec, args: () => ["--import", pathToFileURL(preload).href, ...args] },
      { env: { ...(spec.env ?? baseEnv), BENCH_RSS_FILE: rssFile } },
    );
  }
  return Number.parseInt(readFileSync(rssFile, "utf8").trim().split("\n").pop() ?? "", 10);
}

// Both validators must agree before their times mean anything.
async function checkValidators() {
  const ours = await execute([BIN, "validate", glob, "--format", "json"]);
  const report = JSON.parse(ours.stdout);
  const ajv = await execute([AJV_CLI, "validate", "--spec=draft2020", "-s", SCHEMA, "-d", glob]);
  const ajvValid = (ajv.stdout + ajv.stderr).match(/ valid$/gm)?.length ?? 0;
  const ajvInvalid = (ajv.stdout + ajv.stderr).match(/ invalid$/gm)?.length ?? 0;
  const agree =
    ours.code === 2 &&
    report.summary.files === FILES &&
    report.summary.invalid === invalidCount &&
    ajv.code === 1 &&
    ajvValid === FILES - invalidCount &&
    ajvInvalid === invalidCount;
  log(
    `validators: batchinf ${report.summary.files} files, ${report.summary.invalid} invalid (exit ${ours.code}); ` +
      `ajv-cli ${ajvValid} valid, ${ajvInvalid} invalid (exit ${ajv.code}); expected ${invalidCount} invalid`,
  );
  if (!agree)
    throw new Error("batchinf and ajv-cli disagree on the 1,000 files; the comparison would be unfair");
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// ---------------------------------------------------------------- run

try {
  await checkValidators();
  log(`warm-up round, then ${RUNS} interleaved rounds of ${cases.length} cases`);
  for (const spec of cases) await once(spec);
  const times = new Map(cases.map((spec) => [spec.id, []]));
  for (let round = 1; round <= RUNS; round++) {
    for (const spec of cases) times.get(spec.id).push((await once(spec)).ms);
    log(`round ${round}/${RUNS}`);
  }
  const rss = new Map();
  for (const spec of cases) rss.set(spec.id, Math.max(await peakRss(spec), await peakRss(spec)));

  const stats = new Map(
    cases.map((spec) => {
      const values = times.get(spec.id);
      return [spec.id, { median: median(values), min: Math.min(...values), max: Math.max(...values) }];
    }),
  );
  const base = stats.get("baseline").median;
  const rows = cases.map((spec) => {
    const s = stats.get(spec.id);
    const mib = rss.get(spec.id) / 1024;
    let target = "";
    let met = "";
    if (spec.target?.ratio) {
      target = `≤ ${spec.target.ratio}× node -e 0`;
      met = s.median / base <= spec.target.ratio ? "yes" : "**no**";
    } else if (spec.target?.fasterThan) {
      const [other, factor] = spec.target.fasterThan;
      const speedup = stats.get(other).median / s.median;
      target = `≥ ${factor}× faster than ajv-cli`;
      met = `${speedup >= factor ? "yes" : "**no**"} (${speedup.toFixed(2)}×)`;
    } else if (spec.target?.rssMiB) {
      target = `peak RSS ≤ ${spec.target.rssMiB} MiB`;
      met = mib <= spec.target.rssMiB ? "yes" : "**no**";
    }
    return [
      spec.label,
      s.median.toFixed(1),
      s.min.toFixed(1),
      s.max.toFixed(1),
      `${(s.median / base).toFixed(2)}×`,
      mib.toFixed(1),
      target,
      met,
    ];
  });
  const header = ["case", "median ms", "min ms", "max ms", "× node -e 0", "peak RSS MiB", "target", "met"];
  const table = [
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, i) => (i === 0 || i >= 6 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ].join("\n");

  const cpu = cpus();
  const machine = [
    `- date: ${new Date().toISOString()}`,
    `- node ${process.version}, ${platform()} ${release()}`,
    `- ${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `- ${RUNS} timed rounds after one warm-up, cases interleaved; peak RSS: ${gnuTime ? "GNU time %M" : "child maxRSS"}, max of 2 runs`,
    `- ${FILES.toLocaleString("en")} files: the ${valid.length} valid fixtures in turn, every ${INVALID_EVERY}th a schema-invalid one (${invalidCount} invalid); both tools report the same ${invalidCount}`,
    `- total bench time ${((Date.now() - started) / 1000).toFixed(0)} s`,
  ].join("\n");
  const notes = [
    "Notes:",
    "",
    "- Times are wall-clock from spawn to exit of a fresh process, the way a Jenkins `sh` step runs it.",
    "- Every process, the baseline included, gets a minimal environment (PATH, HOME, NO_COLOR, AWS settings). Variables such as `NODE_EXTRA_CA_CERTS` (set on this machine) add the same fixed cost to every Node start (about 35 ms on Node 20 here) and would flatten the ratios.",
    "- The live cases talk to the tests' local AWS endpoint (test/fake-aws) on 127.0.0.1, served from the bench process.",
    "- `run`'s time is mostly the scripted execution and the poll intervals (`--poll-interval 100ms --max-poll-interval 500ms`); its target is memory.",
    "- ajv-cli compiles the schema on every start and checks the schema only; `batchinf validate` also parses each file for line:column positions and duplicate keys and runs the checks a schema cannot express.",
  ].join("\n");
  process.stdout.write(`${table}\n\n${machine}\n`);
  writeFileSync(
    join(ROOT, "bench/results.md"),
    `# Benchmark: latest run\n\nGenerated by \`npm run bench\` (bench/run.mjs).\n\n${table}\n\n${machine}\n\n${notes}\n`,
  );
  log("written to bench/results.md");
} finally {
  await fake.close();
  rmSync(temp, { recursive: true, force: true });
  rmSync(workspace, { recursive: true, force: true });
}

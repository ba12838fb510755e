// Following an execution: API calls, the delay from the execution's end to
// batchinf's exit, and history events fetched against events that exist.
//
//   - a 30-second execution, in real time: the built binary, default poll
//     intervals (2s growing to 20s), against the local endpoint;
//   - a one-hour execution and a 1,000-event one on a fast clock: the run
//     command in-process, its sleep advancing a virtual clock that the local
//     Step Functions runs on too, so an hour passes in well under a second.
//
// Appends its table to bench/results.md (written by bench/run.mjs first).
import { spawn } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runProgram } from "../src/program.js";
import type { RunResult } from "../src/report/result.js";
import {
  createPreflightServices,
  createSfnService,
  createSsmService,
  type FakeAws,
  seedPipelineResources,
  startFakeAws,
} from "../test/fake-aws/index.js";
import { SSM_PATH, seedParameterStore } from "../test/fake-aws/seed.js";
import type { ExecutionScript } from "../test/fake-aws/sfn.js";
import { pipelineStates, pipelineSucceeds } from "../test/fake-aws/sfn-scenarios.js";
import { captureContext } from "../test/helpers/capture.js";
import { BIN, ROOT, seedWorkspace } from "../test/helpers/seed.js";

interface Row {
  label: string;
  execution: string;
  calls: Record<string, number>;
  delayMs: number;
  history: RunResult["history"];
  wall: string;
}

const STATE_MACHINE = "arn:aws:states:ap-south-1:731580992380:stateMachine:batch-inference-DCP";

async function world(clock?: { now(): number }) {
  const ssm = createSsmService({ accountId: "731580992380", region: "ap-south-1" });
  const sfn = createSfnService({
    accountId: "731580992380",
    region: "ap-south-1",
    ...(clock ? { clock } : {}),
  });
  seedParameterStore(ssm);
  // What run's preflight reads (Glue, S3, IAM...), holding the pipeline's resources.
  const preflight = createPreflightServices();
  seedPipelineResources(preflight, undefined, ssm);
  const fake = await startFakeAws({ services: [ssm, sfn, ...preflight.all], ...(clock ? { clock } : {}) });
  return { fake, sfn };
}

function callsByOperation(fake: FakeAws): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of fake.calls) counts[call.operation] = (counts[call.operation] ?? 0) + 1;
  return counts;
}

/** The built binary in real time, as Jenkins runs it. */
async function realTime(label: string, script: ExecutionScript): Promise<Row> {
  const { fake, sfn } = await world();
  sfn.addStateMachine({ name: "batch-inference-DCP", script });
  const cwd = seedWorkspace();
  const resultFile = join(cwd, "result.json");
  const started = Date.now();
  const exitedAt = await new Promise<number>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [BIN, "run", "--ssm-path", SSM_PATH, "--date", "2023-10-14", "--result-file", resultFile],
      {
        cwd,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "/tmp",
          ...fake.env({ region: "ap-south-1" }),
          BUILD_TAG: `bench-${started}`,
        },
        stdio: "ignore",
      },
    );
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(Date.now()) : reject(new Error(`run exited ${code}`))));
  });
  const result = JSON.parse(readFileSync(resultFile, "utf8")) as RunResult;
  await fake.close();
  return {
    label,
    execution: `${Math.round((result.durationMs ?? 0) / 1000)} s`,
    calls: callsByOperation(fake),
    delayMs: exitedAt - Date.parse(result.stopDate ?? ""),
    history: result.history,
    wall: `${((exitedAt - started) / 1000).toFixed(1)} s`,
  };
}

/** The run command in-process on a virtual clock shared with the local Step Functions. */
async function fastClock(label: string, script: ExecutionScript): Promise<Row> {
  let t = Date.UTC(2023, 9, 14, 6, 0, 0);
  const clock = { now: () => t };
  const { fake, sfn } = await world(clock);
  sfn.addStateMachine({ name: "batch-inference-DCP", script });
  Object.assign(process.env, fake.env({ region: "ap-south-1" }), {
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  });
  const cwd = seedWorkspace();
  const captured = captureContext({ env: { BUILD_TAG: `bench-${label.length}` }, now: clock.now });
  const wallStart = Date.now();

  const { code } = await runProgram(
    [
      "run",
      "--ssm-path",
      SSM_PATH,
      "--date",
      "2023-10-14",
      "--tfvars",
      join(cwd, "tfvars.json"),
      "--repo-dir",
      cwd,
      "--state-machine-arn",
      STATE_MACHINE,
      "--output",
      "json",
    ],
    {
      io: captured.io,
      now: clock.now,
      sleep: async (ms) => {
        t += ms;
      },
    },
  );

  if (code !== 0) throw new Error(`${label}: run exited ${code}\n${captured.stderr()}`);
  const result = JSON.parse(captured.stdout()) as RunResult;
  await fake.close();
  return {
    label,
    execution: `${Math.round((result.durationMs ?? 0) / 60_000)} min`,
    calls: callsByOperation(fake),
    delayMs: t - Date.parse(result.stopDate ?? ""),
    history: result.history,
    wall: `${((Date.now() - wallStart) / 1000).toFixed(1)} s`,
  };
}

const rows = [
  await realTime(
    "30-second execution (real time, built binary)",
    pipelineSucceeds({ glueMs: 5_000, batchMs: 5_000 }),
  ),
  await fastClock(
    "one-hour execution (fast clock)",
    pipelineSucceeds({ glueMs: 5 * 60_000, batchMs: 35 * 60_000 }),
  ),
  await fastClock("1,000-event history (fast clock)", {
    states: [
      ...pipelineStates({ glueMs: 60_000, batchMs: 60_000 }),
      { name: "ScoreBatches", type: "Map", durationMs: 10 * 60_000, iterations: 250 },
    ],
    outcome: "SUCCEEDED",
  }),
];

const table = [
  "| case | execution | API calls (all, by operation) | end -> exit | history events | fetched | history calls | bench wall time |",
  "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map((row) => {
    const total = Object.values(row.calls).reduce((a, b) => a + b, 0);
    const detail = Object.entries(row.calls)
      .sort((a, b) => b[1] - a[1])
      .map(([op, n]) => `${op} ${n}`)
      .join(", ");
    const fetchedRatio = row.history ? ` (${(row.history.fetched / row.history.events).toFixed(2)}x)` : "";
    return `| ${row.label} | ${row.execution} | ${total}: ${detail} | ${(row.delayMs / 1000).toFixed(1)} s | ${row.history?.events ?? "?"} | ${row.history?.fetched ?? "?"}${fetchedRatio} | ${row.history?.calls ?? "?"} | ${row.wall} |`;
  }),
].join("\n");

console.log(table);
appendFileSync(
  join(ROOT, "bench/results.md"),
  `\n## Following an execution\n\nDefault intervals (--poll-interval 2s, --max-poll-interval 20s). "end -> exit": from the execution's stopDate to batchinf's exit (on the fast clock, virtual time). API calls include the SSM read and the start.\n\n${table}\n`,
);

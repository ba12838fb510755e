import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { runProgram } from "../src/program.js";
import {
  createPreflightServices,
  createSfnService,
  createSsmService,
  type FakeAws,
  seedPipelineResources,
  startFakeAws,
} from "./fake-aws/index.js";
import { SSM_PATH, seedParameterStore } from "./fake-aws/seed.js";
import { pipelineSucceeds } from "./fake-aws/sfn-scenarios.js";
import { captureContext } from "./helpers/capture.js";
import { seedWorkspace } from "./helpers/seed.js";

/**
 * The whole run command in-process on a virtual clock that the local Step
 * Functions shares: the injected sleep must reach the poll loop, or an hour
 * of execution would take an hour of test.
 */
let t = Date.UTC(2023, 9, 14, 6, 0, 0);
const clock = { now: () => t };
let fake: FakeAws;

beforeAll(async () => {
  const ssm = createSsmService({ accountId: "731580992380", region: "ap-south-1" });
  const sfn = createSfnService({ accountId: "731580992380", region: "ap-south-1", clock });
  seedParameterStore(ssm);
  sfn.addStateMachine({
    name: "batch-inference-DCP",
    script: pipelineSucceeds({ glueMs: 5 * 60_000, batchMs: 35 * 60_000 }),
  });
  const preflight = createPreflightServices();
  seedPipelineResources(preflight, undefined, ssm);
  fake = await startFakeAws({ services: [ssm, sfn, ...preflight.all], clock });
  for (const [key, value] of Object.entries(fake.env({ region: "ap-south-1" }))) vi.stubEnv(key, value);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await fake.close();
});

it("follows a one-hour execution through runProgram with an injected sleep, exiting within one max interval of its end", async () => {
  const cwd = seedWorkspace();
  const captured = captureContext({ env: { BUILD_TAG: "fast-clock-1" }, now: clock.now });
  const wallStart = Date.now();
  const { code } = await runProgram(
    [
      "run",
      "--ssm-path",
      SSM_PATH,
      "--date",
      "2023-10-14",
      "--tfvars",
      `${cwd}/tfvars.json`,
      "--repo-dir",
      cwd,
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
  expect(code, captured.stderr()).toBe(0);
  const result = JSON.parse(captured.stdout());
  expect(result).toMatchObject({ status: "SUCCEEDED", durationMs: 60 * 60_000 });
  expect(t - Date.parse(result.stopDate)).toBeLessThanOrEqual(20_000);
  expect(result.apiCalls.GetExecutionHistory).toBeLessThan(260);
  expect(Date.now() - wallStart).toBeLessThan(10_000);
});

import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { expect, it } from "vitest";
import { followV2 } from "../bench/baseline/follow-v2.js";
import { HistoryReader as V2HistoryReader } from "../bench/baseline/history-v2.js";
import { ExecutionTracker } from "../src/execution/tracker.js";
import { pipelineStates } from "./fake-aws/sfn-scenarios.js";
import { runFast, useFastWorld } from "./helpers/fast-world.js";

// What watching costs: one 6-hour run followed with the defaults (--history 10,
// --stuck-after 15m), counted on the virtual clock, against today's calls:
// v2's reader and poll cadence (bench/baseline/) following the same execution,
// plus the calls the command makes besides following (the same either way).
const world = useFastWorld();
const MIN = 60_000;
const SIX_HOURS = { glueMs: 12 * MIN, batchMs: 300 * MIN };

it("a 6-hour run: the history read is 11 calls for 10 past runs, stuck detection one call for the Batch job, calls per hour within 10% of v2's", async () => {
  const arn = world.sfn.addStateMachine({
    name: "six-hours",
    script: { states: pipelineStates(SIX_HOURS), outcome: "SUCCEEDED" },
  });
  const client = new SFNClient({ ...world.fake.clientConfig("ap-south-1"), maxAttempts: 1 });
  const start = async (name: string) => {
    const started = await client.send(new StartExecutionCommand({ stateMachineArn: arn, name, input: "{}" }));
    return {
      executionArn: started.executionArn as string,
      startedAt: started.startDate?.getTime() ?? world.now(),
    };
  };
  for (let i = 0; i < 10; i++) {
    await start(`past-${i}`);
    await world.sleep(7 * 3600_000, new AbortController().signal);
  }

  world.fake.resetCalls();
  // Calls while it waits: preflight's reads before the start (about 30, once) are measured by its own tests.
  const outcome = await runFast(world, [
    "run",
    "--state-machine-arn",
    arn,
    "--preflight",
    "off",
    "--history",
    "10",
  ]);
  expect(outcome.code, outcome.stderr).toBe(0);
  const calls = [...world.fake.calls];
  const historyRead = calls.filter(
    (c) => c.operation === "ListExecutions" || c.input.includeExecutionData === false,
  ).length;
  const batch = calls.filter((c) => c.service === "AWSBatch").length;
  const isFollowing = (c: (typeof calls)[number]) =>
    (c.operation === "GetExecutionHistory" && c.input.includeExecutionData !== false) ||
    c.operation === "DescribeExecution";
  const following = calls.filter(isFollowing).length;
  const besides = calls.length - following - historyRead - batch;

  // v2 following an execution of the same shape, on the same clock and endpoint.
  const v2Run = await start("v2-run");
  world.fake.resetCalls();
  const tracker = new ExecutionTracker(() => undefined, v2Run.startedAt);
  const reader = new V2HistoryReader(client, v2Run.executionArn, (event) => tracker.apply(event));
  await followV2(
    v2Run.executionArn,
    tracker,
    reader,
    { pollInterval: 2_000, maxPollInterval: 20_000 },
    { client, now: world.now, sleep: (ms) => world.sleep(ms, new AbortController().signal) },
  );
  const v2Following = world.fake.calls.filter(isFollowing).length;
  expect(v2Following).toBe(world.fake.calls.length);

  // One ListExecutions and one page per past history (each under 1,000 events).
  expect(historyRead).toBe(11);
  // The Batch job runs 5 hours: asked once, 15 minutes in, found RUNNING, never again.
  expect(batch).toBe(1);
  const v2 = besides + v2Following;
  // Both follow a 6-hour execution: the ratio of calls is the ratio of calls per execution-hour.
  expect(calls.length / v2).toBeLessThanOrEqual(1.1);
  // For the closing note: the figures themselves.
  console.info(
    `6-hour run: v2 ${v2} calls (following ${v2Following}), now ${calls.length} (following ${following}, history ${historyRead}, Batch ${batch}, besides ${besides})`,
  );
});

import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { expect, it } from "vitest";
import { pipelineStates } from "./fake-aws/sfn-scenarios.js";
import { runFast, useFastWorld } from "./helpers/fast-world.js";

// What watching costs: one 6-hour run followed with the defaults (--history 10,
// --stuck-after 15m), counted on the virtual clock, against the same run with
// both off (v2's calls).
const world = useFastWorld();
const MIN = 60_000;
const SIX_HOURS = { glueMs: 12 * MIN, batchMs: 300 * MIN };

it("a 6-hour run: the history read is 11 calls for 10 past runs, stuck detection one call for the Batch job, calls per hour within 10% of v2's", async () => {
  const arn = world.sfn.addStateMachine({
    name: "six-hours",
    script: { states: pipelineStates(SIX_HOURS), outcome: "SUCCEEDED" },
  });
  const client = new SFNClient({ ...world.fake.clientConfig("ap-south-1"), maxAttempts: 1 });
  for (let i = 0; i < 10; i++) {
    await client.send(new StartExecutionCommand({ stateMachineArn: arn, name: `past-${i}`, input: "{}" }));
    await world.sleep(7 * 3600_000, new AbortController().signal);
  }
  const count = async (args: string[]) => {
    world.fake.resetCalls();
    // Calls while it waits: preflight's reads before the start (about 30, once) are measured by its own tests.
    const outcome = await runFast(world, ["run", "--state-machine-arn", arn, "--preflight", "off", ...args]);
    expect(outcome.code, outcome.stderr).toBe(0);
    const calls = world.fake.calls;
    return {
      all: calls.length,
      history: calls.filter((c) => c.operation === "ListExecutions" || c.input.includeExecutionData === false)
        .length,
      batch: calls.filter((c) => c.service === "AWSBatch").length,
    };
  };
  const v2 = await count(["--history", "0", "--stuck-after", "30d"]);
  const watched = await count(["--history", "10"]);
  expect(v2.history).toBe(0);
  expect(v2.batch).toBe(0);
  // One ListExecutions and one page per past history (each under 1,000 events).
  expect(watched.history).toBe(11);
  // The Batch job runs 5 hours: asked once, 15 minutes in, found RUNNING, never again.
  expect(watched.batch).toBe(1);
  const perHour = (n: number) => n / 6;
  expect(perHour(watched.all) / perHour(v2.all)).toBeLessThanOrEqual(1.1);
  // For the closing note: the figures themselves.
  console.info(
    `6-hour run: v2 ${v2.all} calls, watched ${watched.all} (history ${watched.history}, Batch ${watched.batch})`,
  );
});

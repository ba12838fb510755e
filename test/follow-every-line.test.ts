import { describe, expect, it } from "vitest";
import { seedTaskLog } from "./fake-aws/index.js";
import type { ScriptedState } from "./fake-aws/sfn.js";
import { batchJobState, glueJobState } from "./fake-aws/sfn-scenarios.js";
import { type FastRun, runFast, useFastWorld } from "./helpers/fast-world.js";

// --follow-logs copies every line: each stream of a task is read to its end
// once more when its state ends and when the execution ends (v2 copied 17 of
// 20 lines for Batch, 18 of 20 for Glue: nothing was read after the end),
// Glue's /output group is followed beside /error, and a Batch job that starts
// and ends between two polls is still read.
const world = useFastWorld();
const STATE = "ScoreAll";
const LINES = Array.from({ length: 20 }, (_, i) => `line ${String(i + 1).padStart(2, "0")} of 20`);
let machineAdded = false;

async function follow(
  state: ScriptedState,
  seed: (executionArn: string) => void,
  args: string[] = [],
  code = 0,
): Promise<FastRun> {
  if (!machineAdded) {
    world.sfn.addStateMachine({
      name: "batch-inference-DCP",
      script: { states: [state], outcome: "SUCCEEDED" },
    });
    machineAdded = true;
  }
  world.sfn.queueScript(world.stateMachineArn, { states: [state], outcome: "SUCCEEDED" });
  world.onSleep = () => {
    const execution = world.sfn.executions().at(-1);
    if (!execution) return;
    world.onSleep = undefined;
    seed(execution.executionArn);
  };
  const outcome = await runFast(world, ["run", "--follow-logs", ...args]);
  expect(outcome.code, outcome.stderr).toBe(code);
  return outcome;
}

/**
 * LINES in the task's stream: 17 spread over its run, the last 3 in its last
 * second (as a job's summary lines are), where v2 lost them.
 */
function seedToTheEnd(arn: string, options: { group?: string } = {}): void {
  const head = LINES.slice(0, 17);
  const seeded = seedTaskLog(world.logs, world.sfn, arn, STATE, { lines: head, ...options });
  const last = seeded.timestamps.at(-1) as number;
  const step = last - (seeded.timestamps.at(-2) as number);
  world.logs.putLogEvents(
    seeded.group,
    seeded.stream,
    // The end is one step after the last line seedTaskLog wrote: these come 900, 600 and 300 ms before it.
    LINES.slice(17).map((message, i) => ({ timestamp: last + step - 300 * (3 - i), message })),
  );
}

/** The lines copied for the state, in the order the log shows them. */
function copied(outcome: FastRun): string[] {
  return outcome.stderr
    .split("\n")
    .filter((line) => line.includes(`[${STATE}]`))
    .map((line) => line.replace(/^.*\[ScoreAll\]\s*(\d{4}-\d\d-\d\dT[\d:.]+Z\s+)?/, ""));
}

describe("--follow-logs copies every line", () => {
  it("Glue: all 20 of 20 lines, the last ones written just before the state (and the execution) ended", async () => {
    const outcome = await follow(glueJobState(STATE, { durationMs: 2 * 60_000 }), (arn) => seedToTheEnd(arn));
    expect(copied(outcome)).toEqual(LINES);
  });

  it("Glue: the /output group is followed too, beside /error", async () => {
    const errors = ["WARN spark: executor lost", "ERROR retrying stage 3"];
    const outcome = await follow(glueJobState(STATE, { durationMs: 2 * 60_000 }), (arn) => {
      seedToTheEnd(arn, { group: "/aws-glue/jobs/output" });
      seedTaskLog(world.logs, world.sfn, arn, STATE, { lines: errors });
    });
    const lines = copied(outcome);
    expect(lines.filter((line) => line.startsWith("line "))).toEqual(LINES);
    expect(lines.filter((line) => !line.startsWith("line "))).toEqual(errors);
  });

  it("Batch: all 20 of 20 lines", async () => {
    world.batch.setStartupMs(20_000);
    const outcome = await follow(batchJobState(STATE, { durationMs: 3 * 60_000 }), (arn) =>
      seedToTheEnd(arn),
    );
    expect(copied(outcome)).toEqual(LINES);
  });

  it("Batch: a job that starts and ends within one 5 s look is still read, every line", async () => {
    world.batch.setStartupMs(500);
    const short = LINES.slice(0, 5);
    const outcome = await follow(batchJobState(STATE, { durationMs: 3_000 }), (arn) => {
      seedTaskLog(world.logs, world.sfn, arn, STATE, { lines: short });
    });
    expect(copied(outcome)).toEqual(short);
    expect(outcome.stderr).not.toContain("cannot be followed");
  });

  it("wait: a task that ended before attaching is not copied; the one running then is, to its last line", async () => {
    const states = [
      glueJobState("Before", { durationMs: 60_000 }),
      glueJobState(STATE, { durationMs: 3 * 60_000 }),
    ];
    if (!machineAdded) {
      world.sfn.addStateMachine({ name: "batch-inference-DCP", script: { states, outcome: "SUCCEEDED" } });
      machineAdded = true;
    }
    world.sfn.queueScript(world.stateMachineArn, { states, outcome: "SUCCEEDED" });
    const started = await runFast(world, ["run", "--no-wait", "--output", "json"]);
    const arn = JSON.parse(started.stdout).executionArn as string;
    seedTaskLog(world.logs, world.sfn, arn, "Before", { lines: ["from before attaching"] });
    seedToTheEnd(arn);
    // Attach 90 s later: Before has ended, ScoreAll runs.
    await world.sleep(90_000, new AbortController().signal);
    const outcome = await runFast(world, ["wait", arn, "--follow-logs"]);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stderr).not.toContain("from before attaching");
    expect(copied(outcome)).toEqual(LINES);
  });
});

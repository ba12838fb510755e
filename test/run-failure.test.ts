import { readFileSync } from "node:fs";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { seedTaskLog } from "./fake-aws/index.js";
import {
  batchCauseFor,
  glueCauseFor,
  glueJobOf,
  PIPELINE_BATCH_STATE,
  pipelineFailsAt,
  pipelineStates,
} from "./fake-aws/sfn-scenarios.js";
import { type FastRun, runFast, useFastWorld } from "./helpers/fast-world.js";
import { seedWorkspace } from "./helpers/seed.js";

// "Why it failed", end to end: the CLI in-process, the failed Glue run or Batch
// job found from the history, its CloudWatch log tail read from the local
// endpoint, shown in the log, the result file, JUnit and HTML.
const world = useFastWorld();
const MINUTES = { glueMs: 4 * 60_000, batchMs: 12 * 60_000 };
const SECRET = "hunter2-db-password-9f8e";
const GLUE_STATE = "PrepareFeatures";
let machineAdded = false;

function machine(): string {
  if (!machineAdded) {
    world.sfn.addStateMachine({
      name: "batch-inference-DCP",
      script: { states: pipelineStates(MINUTES), outcome: "SUCCEEDED" },
    });
    machineAdded = true;
  }
  return world.stateMachineArn;
}

/** Once the execution exists, seed its task's log (the timeline is fixed at the start). */
function seedWhenStarted(state: string, options: Parameters<typeof seedTaskLog>[4]): void {
  world.onSleep = () => {
    const execution = world.sfn.executions().at(-1);
    if (!execution) return;
    world.onSleep = undefined;
    seedTaskLog(world.logs, world.sfn, execution.executionArn, state, options);
  };
}

async function run(args: string[]): Promise<FastRun & { result: Record<string, unknown> }> {
  const cwd = seedWorkspace();
  const outcome = await runFast(
    world,
    [
      "run",
      "--result-file",
      join(cwd, "result.json"),
      "--junit",
      join(cwd, "run.xml"),
      "--report-html",
      join(cwd, "run.html"),
      ...args,
    ],
    { cwd },
  );
  return { ...outcome, result: JSON.parse(readFileSync(join(cwd, "result.json"), "utf8")) };
}

const logCalls = () => world.fake.calls.filter((call) => call.service === "Logs_20140328");

function glueFailsAfterARetry() {
  return pipelineFailsAt(
    {
      state: GLUE_STATE,
      error: "States.TaskFailed",
      cause: "",
      causeFor: glueCauseFor("AnalysisException: Path does not exist: s3://dcp-internal/features/2023/10/14"),
    },
    {
      ...MINUTES,
      retries: {
        [GLUE_STATE]: [
          {
            error: "States.TaskFailed",
            cause: "",
            causeFor: glueCauseFor("first run: Connection reset by peer"),
            durationMs: 45_000,
            retryIntervalMs: 30_000,
          },
        ],
      },
    },
  );
}

describe("run: why it failed", () => {
  it("a Glue job failing after one retried attempt: the second run's id, message and log lines in the log, the result, JUnit and HTML", async () => {
    world.sfn.queueScript(machine(), glueFailsAfterARetry());
    world.onSleep = () => {
      const execution = world.sfn.executions().at(-1);
      if (!execution) return;
      world.onSleep = undefined;
      seedTaskLog(world.logs, world.sfn, execution.executionArn, GLUE_STATE, {
        attempt: 1,
        lines: ["first run: reset"],
      });
      seedTaskLog(world.logs, world.sfn, execution.executionArn, GLUE_STATE, {
        attempt: 2,
        lines: [
          "INFO reading features",
          "ERROR AnalysisException: Path does not exist",
          "Traceback (most recent call last):",
        ],
      });
    };
    world.fake.resetCalls();
    const outcome = await run([]);
    expect(outcome.code, outcome.stderr).toBe(1);
    const { stderr } = outcome;
    expect(stderr).toMatch(new RegExp(`error: Execution FAILED at state ${GLUE_STATE}: States.TaskFailed`));
    const runId = (outcome.result.failure as { id: string }).id;
    expect(stderr).toContain(`Glue job ${glueJobOf(GLUE_STATE)}, run ${runId}: FAILED`);
    expect(stderr).toMatch(/ERROR AnalysisException: Path does not exist/);
    expect(stderr).toMatch(
      /gluestudio\/home\?region=ap-south-1#\/job\/DCP-batch-inference-feature-prep\/run\/jr_/,
    );
    expect(stderr).not.toContain("first run: reset");
    expect(outcome.result).toMatchObject({
      failedState: GLUE_STATE,
      failure: {
        kind: "glue",
        jobName: glueJobOf(GLUE_STATE),
        status: "FAILED",
        log: { group: "/aws-glue/jobs/error", stream: runId },
      },
    });
    expect((outcome.result.failure as { log: { lines: unknown[] } }).log.lines).toHaveLength(3);
    // 3 lines are fewer than 50: one more backward call proves the stream's start.
    expect(logCalls().map((call) => call.operation)).toEqual(["GetLogEvents", "GetLogEvents"]);

    const junit = new XMLParser({ ignoreAttributes: false }).parse(
      readFileSync(join(outcome.cwd, "run.xml"), "utf8"),
    );
    // The execution's testsuite (preflight has one of its own).
    const suite = [junit.testsuites.testsuite]
      .flat()
      .find((candidate: Record<string, unknown>) => candidate["@_name"] !== "preflight");
    const cases = [suite.testcase].flat() as Array<Record<string, unknown>>;
    const failed = cases.find((testcase) => testcase["@_name"] === GLUE_STATE);
    expect(JSON.stringify(failed?.failure)).toContain("AnalysisException");
    expect(
      cases.filter((testcase) => "skipped" in testcase).map((testcase) => testcase["@_name"]),
    ).toHaveLength(4);
    const html = readFileSync(join(outcome.cwd, "run.html"), "utf8");
    expect(html).toContain("ERROR AnalysisException: Path does not exist");
    expect(html).not.toMatch(/<script|https?:\/\/[^"]*\.(css|js|woff2?)/);
  });

  it("a Batch job with a custom log group and a secret in its environment: exit code, reason and lines; the secret in no output", async () => {
    world.sfn.queueScript(
      machine(),
      pipelineFailsAt(
        {
          state: PIPELINE_BATCH_STATE,
          error: "States.TaskFailed",
          cause: "",
          causeFor: batchCauseFor({
            exitCode: 137,
            containerReason: "OutOfMemoryError: Container killed due to memory usage",
            statusReason: "Essential container in task exited",
            logGroup: "/dcp/batch-inference",
            environment: { MODEL_NAME: "defect-corelation", DB_PASSWORD: SECRET },
          }),
        },
        MINUTES,
      ),
    );
    seedWhenStarted(PIPELINE_BATCH_STATE, {
      lines: ["loading model defect-corelation", "scoring 120000 rows", "Killed"],
    });
    const outcome = await run(["--log-format", "json"]);
    expect(outcome.code).toBe(1);
    for (const line of outcome.stderr.trim().split("\n")) expect(() => JSON.parse(line), line).not.toThrow();
    expect(outcome.stderr).toContain("OutOfMemoryError: Container killed due to memory usage");
    expect(outcome.stderr).toContain("scoring 120000 rows");
    expect(outcome.result).toMatchObject({
      failure: { kind: "batch", exitCode: 137, log: { group: "/dcp/batch-inference" } },
    });
    const junit = readFileSync(join(outcome.cwd, "run.xml"), "utf8");
    const html = readFileSync(join(outcome.cwd, "run.html"), "utf8");
    for (const output of [outcome.stderr, outcome.stdout, JSON.stringify(outcome.result), junit, html]) {
      expect(output).not.toContain(SECRET);
    }
    expect(JSON.stringify(outcome.result)).toContain("DB_PASSWORD");
  });

  it("logs denied: one warning naming logs:GetLogEvents on the group, exit 1 unchanged", async () => {
    world.sfn.queueScript(machine(), glueFailsAfterARetry());
    world.logs.deny("/aws-glue/jobs/error");
    try {
      const outcome = await run([]);
      expect(outcome.code).toBe(1);
      const warnings = outcome.stderr.split("\n").filter((line) => /logs:GetLogEvents/.test(line));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("arn:aws:logs:ap-south-1:731580992380:log-group:/aws-glue/jobs/error");
    } finally {
      world.logs.allow("/aws-glue/jobs/error");
    }
  });

  it("a stream that does not exist yet: a warning naming it, exit 1 unchanged", async () => {
    world.sfn.queueScript(machine(), glueFailsAfterARetry());
    const outcome = await run([]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/warning: .*(no log stream|does not exist|not found)/i);
  });

  it("--log-lines 0 makes no CloudWatch Logs call", async () => {
    world.sfn.queueScript(machine(), glueFailsAfterARetry());
    world.fake.resetCalls();
    const outcome = await run(["--log-lines", "0"]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/Glue job DCP-batch-inference-feature-prep, run jr_/);
    expect(logCalls()).toHaveLength(0);
  });

  it("--follow-logs copies a running Glue job's lines before the job ends, at most one logs call a second", async () => {
    world.sfn.queueScript(machine(), { states: pipelineStates(MINUTES).slice(0, 2), outcome: "SUCCEEDED" });
    seedWhenStarted("DataQualityCheck", {
      lines: ["dq: 10 checks", "dq: 9 passed", "dq: done"],
      spanMs: 3 * 60_000,
    });
    world.fake.resetCalls();
    const outcome = await run(["--follow-logs"]);
    expect(outcome.code, outcome.stderr).toBe(0);
    const lines = outcome.stderr.split("\n");
    const copied = lines.findIndex(
      (line) => line.includes("[DataQualityCheck]") && line.includes("dq: 10 checks"),
    );
    const ended = lines.findIndex((line) => /DataQualityCheck succeeded/.test(line));
    expect(copied, outcome.stderr).toBeGreaterThan(-1);
    expect(copied).toBeLessThan(ended);
    // The one-call-a-second budget is the follower's own (test/failure-follow.test.ts checks the
    // spacing on its clock); here the poll loop shares the virtual clock, so count calls per time.
    const times = logCalls().map((call) => call.at);
    const span = (times.at(-1) ?? 0) - (times[0] ?? 0);
    expect(times.length).toBeLessThanOrEqual(1 + span / 1000);
    expect(times.length).toBeGreaterThan(0);
  });
});

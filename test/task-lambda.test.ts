import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { lambda } from "../src/tasks/lambda.js";
import { kindOfResource } from "../src/tasks/registry.js";
import { lambdaRequestIdOf, seedLambdaLog } from "./fake-aws/index.js";
import type { ScriptedState } from "./fake-aws/sfn.js";
import {
  LAMBDA_INVOKE_RESOURCE,
  lambdaCauseFor,
  lambdaFailureCause,
  lambdaInvokeState,
} from "./fake-aws/sfn-scenarios.js";
import { type FastRun, runFast, useFastWorld } from "./helpers/fast-world.js";
import { seedWorkspace } from "./helpers/seed.js";

// The Lambda task kind, end to end against the local endpoint: a failed
// invocation's function, version or alias, error, request id, console link
// and log lines (found by the request id in /aws/lambda/<function> within the
// task's time window), and --follow-logs on a running invocation.
const world = useFastWorld();
const STATE = "ScoreBatch";
/** Each test its own function (and so its own log group): the fake's logs outlive a test. */
let FN = "score-batch";
let tests = 0;
let machineAdded = false;

beforeEach(() => {
  tests += 1;
  FN = `score-batch-${tests}`;
});

function machine(): string {
  if (!machineAdded) {
    world.sfn.addStateMachine({
      name: "batch-inference-DCP",
      script: { states: [lambdaInvokeState(STATE)], outcome: "SUCCEEDED" },
    });
    machineAdded = true;
  }
  return world.stateMachineArn;
}

function seedWhenStarted(options: Omit<Parameters<typeof seedLambdaLog>[4], "functionName">): void {
  world.onSleep = () => {
    const execution = world.sfn.executions().at(-1);
    if (!execution) return;
    world.onSleep = undefined;
    seedLambdaLog(world.logs, world.sfn, execution.executionArn, STATE, { functionName: FN, ...options });
  };
}

async function run(args: string[]): Promise<FastRun & { result: Record<string, unknown> }> {
  const cwd = seedWorkspace();
  const outcome = await runFast(
    world,
    ["run", "--result-file", join(cwd, "result.json"), "--report-html", join(cwd, "run.html"), ...args],
    { cwd },
  );
  return { ...outcome, result: JSON.parse(readFileSync(join(cwd, "result.json"), "utf8")) };
}

const logCalls = () => world.fake.calls.filter((call) => call.service === "Logs_20140328");
const LINES = [
  "reading s3://dcp-inference/input/2023-10-14/",
  "Traceback (most recent call last):",
  "ValueError: could not read",
];

function failing(state: ScriptedState, cause: Parameters<typeof lambdaCauseFor>[0] & { text?: string }) {
  return {
    states: [state],
    outcome: {
      fail: {
        state: STATE,
        error: cause.errorType ?? "ValueError",
        cause: cause.text ?? "",
        ...(cause.text ? {} : { causeFor: lambdaCauseFor(cause) }),
      },
    },
  };
}

describe("the Lambda task kind", () => {
  it("matches lambda:invoke, its callback form and the legacy function ARN; reads FunctionName's forms", () => {
    for (const resource of [
      LAMBDA_INVOKE_RESOURCE,
      `${LAMBDA_INVOKE_RESOURCE}.waitForTaskToken`,
      "arn:aws:lambda:ap-south-1:731580992380:function:score-batch",
      "arn:aws-cn:lambda:cn-north-1:731580992380:function:score-batch:7",
    ]) {
      expect(kindOfResource(resource)?.id, resource).toBe(lambda.id);
    }
    expect(kindOfResource("arn:aws:states:::lambda:invoke.sync")).toBeUndefined();
    expect(kindOfResource("arn:aws:states:::aws-sdk:lambda:invoke")).toBeUndefined();
    const scheduled = (FunctionName: string, Qualifier?: string) =>
      lambda.scheduled({ FunctionName, ...(Qualifier ? { Qualifier } : {}) }, LAMBDA_INVOKE_RESOURCE);
    expect(scheduled("score-batch")).toEqual({ functionName: "score-batch" });
    expect(scheduled("score-batch:prod")).toEqual({ functionName: "score-batch", qualifier: "prod" });
    expect(scheduled("731580992380:function:score-batch:3")).toEqual({
      functionName: "score-batch",
      qualifier: "3",
    });
    expect(scheduled("arn:aws:lambda:ap-south-1:731580992380:function:score-batch", "live")).toEqual({
      functionName: "score-batch",
      qualifier: "live",
    });
    expect(
      lambda.scheduled(undefined, "arn:aws:lambda:ap-south-1:731580992380:function:score-batch:prod"),
    ).toEqual({
      functionName: "score-batch",
      qualifier: "prod",
    });
  });

  it("a failed lambda:invoke through an alias: function, alias, error type and message, request id, link, and its own log lines only", async () => {
    world.sfn.queueScript(
      machine(),
      failing(lambdaInvokeState(STATE, { functionName: FN, qualifier: "prod" }), {}),
    );
    seedWhenStarted({ lines: LINES, neighbours: true });
    world.fake.resetCalls();
    const outcome = await run([]);
    expect(outcome.code, outcome.stderr).toBe(1);
    const execution = world.sfn.executions().at(-1);
    const requestId = lambdaRequestIdOf(execution?.executionArn as string, STATE, 0);
    expect(outcome.stderr).toContain(`Lambda function ${FN}:prod, request ${requestId}: ValueError`);
    expect(outcome.stderr).toContain(
      "error message: could not read s3://dcp-inference/input/2023-10-14/part-0000.parquet",
    );
    expect(outcome.stderr).toContain(
      `https://ap-south-1.console.aws.amazon.com/lambda/home?region=ap-south-1#/functions/${FN}/aliases/prod`,
    );
    for (const line of LINES) expect(outcome.stderr).toContain(line);
    expect(outcome.stderr).toContain(`START RequestId: ${requestId}`);
    expect(outcome.stderr).toContain(`REPORT RequestId: ${requestId}`);
    expect(outcome.stderr).not.toContain("previous invocation");
    expect(outcome.stderr).not.toContain("next invocation");
    expect(outcome.result).toMatchObject({
      failedState: STATE,
      failure: {
        kind: "lambda",
        functionName: FN,
        qualifier: "prod",
        id: requestId,
        errorType: "ValueError",
        log: { group: `/aws/lambda/${FN}` },
      },
    });
    // The START line, then the REPORT line, by request id in a bounded window; then the tail between
    // them (fewer lines than 50: one more backward call proves the range's start).
    const calls = logCalls();
    expect(calls.map((call) => call.operation)).toEqual([
      "FilterLogEvents",
      "FilterLogEvents",
      "GetLogEvents",
      "GetLogEvents",
    ]);
    for (const call of calls.slice(0, 2)) {
      expect(call.input.startTime).toEqual(expect.any(Number));
      expect(call.input.endTime).toEqual(expect.any(Number));
      expect((call.input.endTime as number) - (call.input.startTime as number)).toBeLessThan(60_000);
    }
    expect(calls[0]?.input.filterPattern).toBe(`"START RequestId: ${requestId}"`);
    const html = readFileSync(join(outcome.cwd, "run.html"), "utf8");
    expect(html).toContain("The failed Lambda invocation");
    expect(html).toContain("Traceback (most recent call last):");
  });

  it("the legacy resource, a version, and a Node error without a request id: the one invocation of the window, said so", async () => {
    world.sfn.queueScript(
      machine(),
      failing(lambdaInvokeState(STATE, { functionName: FN, qualifier: "3", legacy: true }), {
        errorType: "TypeError",
        errorMessage: "Cannot read properties of undefined (reading 'rows')",
        runtime: "node",
      }),
    );
    seedWhenStarted({ lines: LINES });
    const outcome = await run([]);
    expect(outcome.code, outcome.stderr).toBe(1);
    expect(outcome.stderr).toContain(`Lambda function ${FN}:3, request ?: TypeError`);
    expect(outcome.stderr).toContain("Cannot read properties of undefined (reading 'rows')");
    expect(outcome.stderr).toContain(`#/functions/${FN}/versions/3`);
    expect(outcome.stderr).toContain("ValueError: could not read");
    expect(outcome.stderr).toContain("warning: the cause names no request id");
    expect(outcome.result).toMatchObject({ failure: { kind: "lambda", functionName: FN, qualifier: "3" } });
  });

  it("without a request id and with other invocations at the same time: no log that may be another's", async () => {
    world.sfn.queueScript(
      machine(),
      failing(lambdaInvokeState(STATE, { functionName: FN }), { errorType: "Error", runtime: "node" }),
    );
    seedWhenStarted({ lines: ["mine"], concurrent: 2 });
    const outcome = await run([]);
    expect(outcome.code, outcome.stderr).toBe(1);
    expect(outcome.stderr).toMatch(
      /3 lines hold "START RequestId:" in \/aws\/lambda\/score-batch-\d+ within the task's time window/,
    );
    expect(outcome.stderr).not.toContain("someone else's");
    expect(outcome.stderr).not.toContain("    mine");
  });

  it("Lambda.Unknown (a timeout): the request id from the returned payload's message finds the log", async () => {
    const execution = () => world.sfn.executions().at(-1)?.executionArn as string;
    world.sfn.queueScript(machine(), {
      states: [lambdaInvokeState(STATE, { functionName: FN })],
      outcome: {
        fail: {
          state: STATE,
          error: "Lambda.Unknown",
          cause: "",
          causeFor: (task) =>
            `The cause could not be determined because Lambda did not return an error type. Returned payload: ${JSON.stringify({ errorMessage: `2023-10-14T06:00:20.000Z ${task.requestId} Task timed out after 20.00 seconds` })}`,
        },
      },
    });
    seedWhenStarted({ lines: ["still scoring"] });
    const outcome = await run([]);
    expect(outcome.code, outcome.stderr).toBe(1);
    const requestId = lambdaRequestIdOf(execution(), STATE, 0);
    expect(outcome.stderr).toContain(`Lambda function ${FN}, request ${requestId}: Lambda.Unknown`);
    expect(outcome.stderr).toContain("Task timed out after 20.00 seconds");
    expect(outcome.stderr).toContain("still scoring");
  });

  it("--follow-logs follows a running invocation, from its START line to its REPORT line, before the state ends", async () => {
    machine();
    world.sfn.queueScript(world.stateMachineArn, {
      states: [lambdaInvokeState(STATE, { functionName: FN, durationMs: 90_000 })],
      outcome: "SUCCEEDED",
    });
    seedWhenStarted({
      lines: ["loading model", "scoring 120000 rows", "wrote 120000 predictions"],
      neighbours: true,
    });
    world.fake.resetCalls();
    const outcome = await runFast(world, ["run", "--follow-logs"]);
    expect(outcome.code, outcome.stderr).toBe(0);
    const lines = outcome.stderr.split("\n");
    const copied = lines.findIndex(
      (line) => line.includes(`[${STATE}]`) && line.includes("scoring 120000 rows"),
    );
    const ended = lines.findIndex((line) => line.includes(`${STATE} succeeded`));
    expect(copied, outcome.stderr).toBeGreaterThanOrEqual(0);
    expect(copied).toBeLessThan(ended);
    expect(outcome.stderr).toContain("wrote 120000 predictions");
    expect(outcome.stderr).not.toContain("previous invocation");
    expect(outcome.stderr).not.toContain("next invocation");
    expect(outcome.stderr).not.toContain("cannot be followed");
  });

  it("the cause shape: parsed from Python's and Node's payloads, nothing else", () => {
    expect(lambda.parseCause(JSON.parse(lambdaFailureCause({ requestId: "r-1" })))).toMatchObject({
      kind: "lambda",
      errorType: "ValueError",
      requestId: "r-1",
      stackTrace: expect.arrayContaining([expect.stringContaining("handler.py")]),
    });
    expect(lambda.parseCause(JSON.parse(lambdaFailureCause({ runtime: "node" })))?.stackTrace).toHaveLength(
      2,
    );
    expect(lambda.parseCause({ JobId: "b-1", Status: "FAILED" })).toBeUndefined();
  });
});

import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { StateRun, TaskFailure } from "../src/execution/model.js";
import { redactBatchEnvironment } from "../src/failure/cause.js";
import { failureBlockLines } from "../src/failure/failure-block.js";
import { fetchLogTail } from "../src/failure/log-tail.js";
import { taskFailureOf } from "../src/failure/task-failure.js";
import {
  createLogsService,
  createSfnService,
  type ExecutionScript,
  type FakeAws,
  type LogsService,
  type SfnService,
  seedTaskLog,
  startFakeAws,
} from "./fake-aws/index.js";
import {
  batchCauseFor,
  batchFailureCause,
  glueCauseFor,
  glueJobOf,
  PIPELINE_BATCH_STATE,
  pipelineFailsAt,
} from "./fake-aws/sfn-scenarios.js";
import { stateRunsOf } from "./helpers/history-runs.js";

const ACCOUNT = "731580992380";
const REGION = "ap-south-1";
const T0 = Date.UTC(2023, 9, 14, 6, 0, 0);
const SECRET = "hunter2-db-password-9f8e";

let now = T0;
const clock = { now: () => now };
let fake: FakeAws;
let sfn: SfnService;
let logs: LogsService;
let machineArn: string;
let client: CloudWatchLogsClient;
let sfnClient: SFNClient;
let executions = 0;

beforeAll(async () => {
  sfn = createSfnService({ accountId: ACCOUNT, region: REGION, clock });
  logs = createLogsService({ accountId: ACCOUNT, region: REGION, clock });
  fake = await startFakeAws({ services: [sfn, logs], clock });
  machineArn = sfn.addStateMachine({ name: "batch-inference" });
  client = new CloudWatchLogsClient({ ...fake.clientConfig(REGION), maxAttempts: 1 });
  sfnClient = new SFNClient({ ...fake.clientConfig(REGION), maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  sfnClient?.destroy();
  await fake?.close();
});

beforeEach(() => {
  fake.resetCalls();
  fake.faults.clear();
});

/** Runs a script to its end on the fake clock; returns the execution ARN and its state runs. */
async function runToEnd(script: ExecutionScript): Promise<{ arn: string; runs: StateRun[] }> {
  now = T0 + executions * 86_400_000;
  executions += 1;
  sfn.queueScript(machineArn, script);
  const started = await sfnClient.send(
    new StartExecutionCommand({
      stateMachineArn: machineArn,
      name: `DCP-20231014-${executions}`,
      input: "{}",
    }),
  );
  const arn = started.executionArn as string;
  now += 24 * 3600 * 1000 - 1;
  return { arn, runs: await stateRunsOf(fake, arn) };
}

function failedRun(runs: StateRun[]): StateRun {
  const run = runs.find((r) => r.status === "failed");
  if (!run) throw new Error("no failed state");
  return run;
}

async function failureOf(run: StateRun, lines = 50, account?: string): Promise<TaskFailure> {
  const attempt = run.attempts.at(-1);
  if (!attempt) throw new Error("no attempt");
  const failure = taskFailureOf(run, attempt, REGION);
  if (!failure) throw new Error("not a task failure");
  return fetchLogTail(failure, {
    logs: client,
    lines,
    abortSignal: new AbortController().signal,
    ...(account ? { account } : {}),
  });
}

const logCalls = () => fake.calls.filter((c) => c.service === "Logs_20140328");

describe("Glue: a job that fails after one retried attempt", () => {
  const state = "PrepareFeatures";
  const job = glueJobOf(state);

  it("shows the second run's id, message and lines, not the first run's", async () => {
    const { arn, runs } = await runToEnd(
      pipelineFailsAt(
        {
          state,
          error: "States.TaskFailed",
          cause: "",
          causeFor: glueCauseFor(
            "AnalysisException: Path does not exist: s3://dcp-internal/features/2023/10/14",
          ),
        },
        {
          retries: {
            [state]: [
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
      ),
    );
    const first = seedTaskLog(logs, sfn, arn, state, {
      attempt: 1,
      lines: ["first run: starting", "first run: reset"],
    });
    const second = seedTaskLog(logs, sfn, arn, state, {
      attempt: 2,
      lines: [
        "INFO reading features",
        "ERROR AnalysisException: Path does not exist",
        "Traceback (most recent call last):",
      ],
    });
    expect(first.id).not.toBe(second.id);
    fake.resetCalls();

    const run = failedRun(runs);
    expect(run.attempts).toHaveLength(2);
    const failure = await failureOf(run);

    expect(failure).toMatchObject({
      kind: "glue",
      jobName: job,
      id: second.id,
      status: "FAILED",
      errorMessage: "AnalysisException: Path does not exist: s3://dcp-internal/features/2023/10/14",
      warnings: [],
    });
    expect(failure.log).toEqual({
      group: "/aws-glue/jobs/error",
      stream: second.id,
      lines: second.timestamps.map((timestamp, i) => ({
        timestamp,
        message: [
          "INFO reading features",
          "ERROR AnalysisException: Path does not exist",
          "Traceback (most recent call last):",
        ][i],
      })),
    });
    expect(failure.links.map((l) => l.label)).toEqual(["job run", "log"]);
    expect(failure.links[0]?.url).toBe(
      `https://${REGION}.console.aws.amazon.com/gluestudio/home?region=${REGION}#/job/${job}/run/${second.id}`,
    );
    expect(failure.links[1]?.url).toBe(
      `https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#logsV2:log-groups/log-group/$252Faws-glue$252Fjobs$252Ferror/log-events/${second.id}`,
    );
    const block = failureBlockLines(failure);
    expect(block.join("\n")).not.toContain("first run");
    expect(block.join("\n")).not.toContain(first.id);
    // 3 lines are fewer than the 50 asked for: a second, backward call confirms the start of the
    // stream (the same backward token comes back), as an empty page proves nothing.
    expect(logCalls().map((c) => c.operation)).toEqual(["GetLogEvents", "GetLogEvents"]);
    console.log(`Glue failure block:\n${block.join("\n")}`);
  });

  it("falls back to /output, then to continuous logging, when /error has no stream", async () => {
    const { arn, runs } = await runToEnd(
      pipelineFailsAt({ state, error: "States.TaskFailed", cause: "", causeFor: glueCauseFor("boom") }),
    );
    const seeded = seedTaskLog(logs, sfn, arn, state, {
      group: "/aws-glue/jobs/logs-v2",
      lines: ["driver: boom"],
    });
    fake.resetCalls();
    const failure = await failureOf(failedRun(runs));
    expect(failure.log).toMatchObject({ group: "/aws-glue/jobs/logs-v2", stream: seeded.id });
    expect(failure.log?.lines.map((l) => l.message)).toEqual(["driver: boom"]);
    expect(logCalls().map((c) => `${c.operation} ${c.errorCode ?? "ok"}`)).toEqual([
      "GetLogEvents ResourceNotFoundException",
      "GetLogEvents ResourceNotFoundException",
      "DescribeLogStreams ok",
      "GetLogEvents ok",
      "GetLogEvents ok",
    ]);
  });
});

describe("Batch: a job with a custom log group and a secret in its environment", () => {
  it("shows the last attempt's exit code, reason and lines; the secret nowhere", async () => {
    const { arn, runs } = await runToEnd(
      pipelineFailsAt({
        state: PIPELINE_BATCH_STATE,
        error: "States.TaskFailed",
        cause: "",
        causeFor: batchCauseFor({
          exitCode: 137,
          containerReason: "OutOfMemoryError: Container killed due to memory usage",
          statusReason: "Essential container in task exited",
          logGroup: "/dcp/batch-inference",
          environment: { MODEL_NAME: "defect-corelation", DB_PASSWORD: SECRET },
          attempts: 2,
        }),
      }),
    );
    const seeded = seedTaskLog(logs, sfn, arn, PIPELINE_BATCH_STATE, {
      lines: ["loading model defect-corelation", "scoring 120000 rows", "Killed"],
    });
    expect(seeded.group).toBe("/dcp/batch-inference");
    fake.resetCalls();
    const run = failedRun(runs);
    const failure = await failureOf(run);
    expect(failure).toMatchObject({
      kind: "batch",
      jobName: "aws_demo_batch_run",
      status: "FAILED",
      statusReason: "Essential container in task exited",
      exitCode: 137,
      containerReason: "OutOfMemoryError: Container killed due to memory usage",
      warnings: [],
    });
    expect(failure.id).toBe(run.attempts.at(-1)?.task?.id);
    expect(failure.log?.stream).toBe(seeded.stream);
    expect(failure.log?.lines.map((l) => l.message)).toEqual([
      "loading model defect-corelation",
      "scoring 120000 rows",
      "Killed",
    ]);
    expect(failure.links.map((l) => l.label)).toEqual(["job", "log"]);
    expect(failure.links[0]?.url).toBe(
      `https://${REGION}.console.aws.amazon.com/batch/home?region=${REGION}#jobs/detail/${failure.id}`,
    );
    const block = failureBlockLines(failure);
    expect(JSON.stringify(block)).not.toContain(SECRET);
    expect(JSON.stringify(failure)).not.toContain(SECRET);

    // The tracker masks the cause where it reads it; the cause as Step Functions holds it, the
    // execution output that carries it, and a Catch's nested string: names kept, values masked.
    expect(run.attempts.at(-1)?.cause).not.toContain(SECRET);
    const cause = batchFailureCause({
      environment: { MODEL_NAME: "defect-corelation", DB_PASSWORD: SECRET },
    });
    expect(cause).toContain(SECRET);
    const redacted = redactBatchEnvironment({ output: { Error: "States.TaskFailed", Cause: cause } });
    expect(JSON.stringify(redacted)).not.toContain(SECRET);
    expect(JSON.stringify(redacted)).toContain("DB_PASSWORD");
    expect(JSON.parse(redacted.output.Cause).Container.Environment).toEqual([
      { Name: "MODEL_NAME", Value: "****" },
      { Name: "DB_PASSWORD", Value: "****" },
    ]);
    console.log(`Batch failure block:\n${block.join("\n")}`);
  });
});

describe("degrading, never failing", () => {
  async function glueFailure() {
    const state = "MapDefectCodes";
    const { arn, runs } = await runToEnd(
      pipelineFailsAt({
        state,
        error: "States.TaskFailed",
        cause: "",
        causeFor: glueCauseFor("bad mapping"),
      }),
    );
    return { arn, state, run: failedRun(runs) };
  }

  it("logs denied: one warning naming logs:GetLogEvents on the group's ARN, no more calls", async () => {
    const { arn, state, run } = await glueFailure();
    seedTaskLog(logs, sfn, arn, state, { lines: ["never seen"] });
    logs.deny("/aws-glue/jobs/error");
    try {
      fake.resetCalls();
      const failure = await failureOf(run);
      expect(failure.log).toBeUndefined();
      expect(failure.warnings).toEqual([
        `the task's log is not shown: logs:GetLogEvents is denied on arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws-glue/jobs/error:* (grant it to see the log here)`,
      ]);
      expect(failure.errorMessage).toBe("bad mapping");
      expect(logCalls()).toHaveLength(1);
    } finally {
      logs.allow("/aws-glue/jobs/error");
    }
  });

  it("a stream that does not exist yet: one warning naming the streams looked for", async () => {
    const { run } = await glueFailure();
    fake.resetCalls();
    const failure = await failureOf(run);
    expect(failure.log).toBeUndefined();
    expect(failure.warnings).toHaveLength(1);
    expect(failure.warnings[0]).toMatch(
      new RegExp(`^no log to show: (log group|log stream ${failure.id} not found in) .*/aws-glue/jobs/error`),
    );
    expect(failure.warnings[0]).toContain("/aws-glue/jobs/output");
  });

  it("throttling that outlasts the SDK's retries: a warning", async () => {
    const { arn, state, run } = await glueFailure();
    seedTaskLog(logs, sfn, arn, state, { lines: ["x"] });
    fake.faults.add({ service: "Logs_20140328", kind: "throttle" });
    const failure = await failureOf(run);
    expect(failure.warnings).toEqual([
      "the task's log is not shown: GetLogEvents on /aws-glue/jobs/error failed after the SDK's retries: ThrottlingException: Rate exceeded",
    ]);
  });

  it("--log-lines 0 makes no CloudWatch Logs call", async () => {
    const { run } = await glueFailure();
    fake.resetCalls();
    const failure = await failureOf(run, 0);
    expect(failure.log).toBeUndefined();
    expect(failure.warnings).toEqual([]);
    expect(logCalls()).toHaveLength(0);
  });
});

describe("the tail: the last N lines, walking backward", () => {
  it("collects N lines over several pages, stops at the start on the same token", async () => {
    const state = "BuildInferenceInput";
    const { arn, runs } = await runToEnd(
      pipelineFailsAt({ state, error: "States.TaskFailed", cause: "", causeFor: glueCauseFor("x") }),
    );
    const lines = Array.from({ length: 25 }, (_, i) => `line ${i + 1}`);
    seedTaskLog(logs, sfn, arn, state, { lines });
    const run = failedRun(runs);

    fake.resetCalls();
    const ten = await failureOf(run, 10);
    expect(ten.log?.lines.map((l) => l.message)).toEqual(lines.slice(15));
    expect(logCalls()).toHaveLength(1);

    // More than there are: pages of the remaining count until the same backward token comes back.
    fake.resetCalls();
    const all = await failureOf(run, 100);
    expect(all.log?.lines.map((l) => l.message)).toEqual(lines);
    expect(logCalls().map((c) => c.input.nextToken === undefined)).toEqual([true, false]);
  });
});

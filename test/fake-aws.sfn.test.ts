import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ExecutionNotRedrivable,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidName,
  InvalidToken,
  paginateGetExecutionHistory,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeAws, startFakeAws } from "./fake-aws/server.js";
import {
  createSfnService,
  type ExecutionScript,
  GLUE_SYNC_RESOURCE,
  type SfnService,
  type SfnServiceOptions,
} from "./fake-aws/sfn.js";
import {
  batchFailureCause,
  glueFailureCause,
  glueJobOf,
  glueRetriedFailure,
  PIPELINE_BATCH_STATE,
  PIPELINE_GLUE_JOBS,
  pipelineFailsAt,
  pipelineSucceeds,
} from "./fake-aws/sfn-scenarios.js";
import { AwsFault } from "./fake-aws/types.js";

const T0 = Date.UTC(2024, 2, 1, 12, 0, 0);
const MIN = 60_000;
const DAY = 24 * 3600 * 1000;

type Json = Record<string, unknown>;

/** A clock the test moves by hand. */
function fakeClock(start = T0) {
  let t = start;
  return {
    now: () => t,
    set: (ms: number) => {
      t = ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

function setup(options: SfnServiceOptions = {}) {
  const clock = fakeClock();
  const sfn = createSfnService({ ...options, clock });
  const call = (operation: string, input: Json = {}) => sfn.handle(operation, input, { clock }) as Json;
  const fault = (operation: string, input: Json): AwsFault => {
    try {
      sfn.handle(operation, input, { clock });
    } catch (err) {
      if (err instanceof AwsFault) return err;
      throw err;
    }
    throw new Error(`${operation} succeeded; a fault was expected`);
  };
  const history = (executionArn: string, extra: Json = {}) =>
    call("GetExecutionHistory", { executionArn, maxResults: 1000, ...extra }).events as Json[];
  return { clock, sfn, call, fault, history };
}

const types = (events: Json[]) => events.map((e) => e.type);

const SM = "arn:aws:states:ap-south-1:123456789012:stateMachine:batch-inference";

describe("fake Step Functions: DescribeStateMachine", () => {
  it("describes a seeded machine with a definition generated from its script", () => {
    const { sfn, call } = setup();
    const arn = sfn.addStateMachine({ name: "batch-inference", script: pipelineSucceeds() });
    expect(arn).toBe(SM);
    const out = call("DescribeStateMachine", { stateMachineArn: arn });
    expect(out).toMatchObject({
      stateMachineArn: arn,
      name: "batch-inference",
      status: "ACTIVE",
      type: "STANDARD",
    });
    expect(out.creationDate).toBe(T0 / 1000);
    const definition = JSON.parse(out.definition as string);
    expect(definition.StartAt).toBe("DataQualityCheck");
    expect(Object.keys(definition.States)).toHaveLength(6);
    expect(definition.States[PIPELINE_BATCH_STATE]).toMatchObject({
      Resource: "arn:aws:states:::batch:submitJob.sync",
      End: true,
    });
  });

  it("answers StateMachineDoesNotExist for an unknown machine and InvalidArn for a malformed or wrong-type ARN", () => {
    const { fault } = setup();
    expect(fault("DescribeStateMachine", { stateMachineArn: SM }).code).toBe("StateMachineDoesNotExist");
    expect(fault("DescribeStateMachine", { stateMachineArn: "not-an-arn" }).code).toBe("InvalidArn");
    const wrongType = fault("DescribeStateMachine", {
      stateMachineArn: "arn:aws:states:ap-south-1:123456789012:execution:batch-inference:x",
    });
    expect(wrongType).toMatchObject({ code: "InvalidArn", status: 400 });
    expect(wrongType.message).toContain("Resource type not valid in this context: execution");
    expect(fault("DescribeStateMachine", {}).code).toBe("ValidationException");
  });

  it("rejects operations it does not model", () => {
    const { fault } = setup();
    expect(fault("ListStateMachines", {}).code).toBe("UnknownOperationException");
  });
});

describe("fake Step Functions: StartExecution", () => {
  it("names the execution ARN after machine and execution, and returns startDate in epoch seconds", () => {
    const { sfn, call } = setup();
    sfn.addStateMachine({ name: "batch-inference", script: pipelineSucceeds() });
    const out = call("StartExecution", { stateMachineArn: SM, name: "DCP-20231014-b1", input: "{}" });
    expect(out).toEqual({
      executionArn: "arn:aws:states:ap-south-1:123456789012:execution:batch-inference:DCP-20231014-b1",
      startDate: T0 / 1000,
    });
    expect(sfn.startCount()).toBe(1);
  });

  it("generates a UUID name when none is given and stores {} when no input is given", () => {
    const { sfn, call } = setup();
    sfn.addStateMachine({ name: "batch-inference", script: pipelineSucceeds() });
    const { executionArn } = call("StartExecution", { stateMachineArn: SM });
    expect(executionArn).toMatch(
      /:execution:batch-inference:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(call("DescribeExecution", { executionArn }).input).toBe("{}");
  });

  it("validates name, input and ARN with the error codes AWS uses", () => {
    const { sfn, fault } = setup();
    sfn.addStateMachine({ name: "batch-inference", script: pipelineSucceeds() });
    for (const name of [
      "has space",
      "a/b",
      "a:b",
      "x{y}",
      "tab\there",
      "q?",
      "star*",
      "dollar$",
      "ctl\u0085",
    ]) {
      expect(fault("StartExecution", { stateMachineArn: SM, name }).code, name).toBe("InvalidName");
    }
    // Length is a request-validation constraint, answered before the name rules.
    const long = fault("StartExecution", { stateMachineArn: SM, name: "n".repeat(81) });
    expect(long.code).toBe("ValidationException");
    expect(long.message).toContain("Member must have length less than or equal to 80");
    expect(fault("StartExecution", { stateMachineArn: SM, name: "" }).code).toBe("ValidationException");
    expect(fault("StartExecution", { stateMachineArn: SM, input: "{not json" }).code).toBe(
      "InvalidExecutionInput",
    );
    expect(fault("StartExecution", { stateMachineArn: `${SM}-missing` }).code).toBe(
      "StateMachineDoesNotExist",
    );
    expect(fault("StartExecution", { stateMachineArn: "arn:aws:states:::stateMachine:x" }).code).toBe(
      "InvalidArn",
    );
    expect(fault("StartExecution", {}).code).toBe("ValidationException");
  });

  it("accepts an 80-character name of letters, digits, - and _", () => {
    const { sfn, call } = setup();
    sfn.addStateMachine({ name: "batch-inference", script: pipelineSucceeds() });
    const name = `DCP-20231014-${"x_".repeat(33)}9`;
    expect(name).toHaveLength(80);
    expect(call("StartExecution", { stateMachineArn: SM, name }).executionArn).toContain(name);
  });

  it("limits input to 262,144 bytes of UTF-8, not characters", () => {
    const { sfn, call, fault } = setup();
    sfn.addStateMachine({ name: "batch-inference", script: pipelineSucceeds() });
    const fits = JSON.stringify({ k: "a".repeat(262_144 - 8) });
    expect(Buffer.byteLength(fits)).toBe(262_144);
    expect(
      call("StartExecution", { stateMachineArn: SM, name: "fits", input: fits }).executionArn,
    ).toBeTruthy();
    // 131,070 two-byte characters: under the limit in characters, over it in bytes.
    const tooBig = JSON.stringify({ k: "é".repeat(131_070) });
    expect(tooBig.length).toBeLessThan(262_144);
    const err = fault("StartExecution", { stateMachineArn: SM, name: "too-big", input: tooBig });
    expect(err.code).toBe("ValidationException");
    expect(err.message).toContain("262144");
  });

  it("is idempotent for the same name and input while RUNNING, and refuses the name otherwise", () => {
    const { sfn, call, fault, clock } = setup();
    sfn.addStateMachine({ name: "batch-inference", script: pipelineSucceeds({ glueMs: MIN, batchMs: MIN }) });
    const input = JSON.stringify({ region: "ap-south-1", use_case_name: "DCP" });
    const first = call("StartExecution", { stateMachineArn: SM, name: "DCP-20231014-b7", input });
    clock.advance(30_000);
    const again = call("StartExecution", { stateMachineArn: SM, name: "DCP-20231014-b7", input });
    expect(again).toEqual(first);
    expect(sfn.startCount()).toBe(1);

    const changed = fault("StartExecution", { stateMachineArn: SM, name: "DCP-20231014-b7", input: "{}" });
    expect(changed).toMatchObject({ code: "ExecutionAlreadyExists", status: 400 });
    expect(changed.message).toContain(first.executionArn as string);

    clock.advance(10 * MIN);
    expect(call("DescribeExecution", { executionArn: first.executionArn }).status).toBe("SUCCEEDED");
    expect(fault("StartExecution", { stateMachineArn: SM, name: "DCP-20231014-b7", input }).code).toBe(
      "ExecutionAlreadyExists",
    );
    expect(sfn.startCount()).toBe(1);
  });

  it("uses a queued script for the next new execution only", () => {
    const { sfn, call, clock } = setup();
    sfn.addStateMachine({
      name: "batch-inference",
      script: pipelineSucceeds({ glueMs: 1000, batchMs: 1000 }),
    });
    sfn.queueScript(SM, { states: [], outcome: "NEVER_ENDS" });
    const a = call("StartExecution", { stateMachineArn: SM, name: "a" });
    call("StartExecution", { stateMachineArn: SM, name: "a" }); // idempotent: consumes nothing
    const b = call("StartExecution", { stateMachineArn: SM, name: "b" });
    clock.advance(MIN);
    expect(call("DescribeExecution", { executionArn: a.executionArn }).status).toBe("RUNNING");
    expect(call("DescribeExecution", { executionArn: b.executionArn }).status).toBe("SUCCEEDED");
  });
});

describe("fake Step Functions: a successful run through six states", () => {
  function start() {
    const ctx = setup();
    ctx.sfn.addStateMachine({
      name: "batch-inference",
      script: pipelineSucceeds({ glueMs: MIN, batchMs: 5 * MIN, output: { status: "done" } }),
    });
    const { executionArn } = ctx.call("StartExecution", {
      stateMachineArn: SM,
      name: "ok",
      input: '{"use_case_name":"DCP"}',
    });
    return { ...ctx, arn: executionArn as string };
  }

  it("progresses with the clock: events appear only once their time has come", () => {
    const { call, clock, arn, history } = start();
    expect(types(history(arn))).toEqual(["ExecutionStarted", "TaskStateEntered", "TaskScheduled"]);
    const running = call("DescribeExecution", { executionArn: arn });
    expect(running.status).toBe("RUNNING");
    expect(running).not.toHaveProperty("stopDate");
    expect(running).not.toHaveProperty("output");

    clock.advance(2 * MIN + 1);
    const entered = history(arn)
      .filter((e) => e.type === "TaskStateEntered")
      .map((e) => (e.stateEnteredEventDetails as Json).name);
    expect(entered).toEqual(["DataQualityCheck", "PrepareFeatures", "MapDefectCodes"]);

    clock.set(T0 + 10 * MIN - 1);
    expect(call("DescribeExecution", { executionArn: arn }).status).toBe("RUNNING");
    clock.set(T0 + 10 * MIN);
    const done = call("DescribeExecution", { executionArn: arn });
    expect(done).toMatchObject({
      status: "SUCCEEDED",
      startDate: T0 / 1000,
      stopDate: (T0 + 10 * MIN) / 1000,
      input: '{"use_case_name":"DCP"}',
      output: '{"status":"done"}',
      redriveCount: 0,
      redriveStatus: "NOT_REDRIVABLE",
      redriveStatusReason: "Execution is SUCCEEDED and cannot be redriven",
    });
    expect(done).not.toHaveProperty("error");
  });

  it("records each .sync task as Entered, Scheduled, Started, Submitted, Succeeded, Exited", () => {
    const { clock, arn, history } = start();
    clock.advance(DAY);
    const events = history(arn);
    const perTask = [
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskSubmitted",
      "TaskSucceeded",
      "TaskStateExited",
    ];
    expect(types(events)).toEqual([
      "ExecutionStarted",
      ...Array.from({ length: 6 }, () => perTask).flat(),
      "ExecutionSucceeded",
    ]);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    // AWS records both the start and the first state entered with previousEventId 0.
    expect(events.slice(0, 3).map((e) => e.previousEventId)).toEqual([0, 0, 2]);
    const timestamps = events.map((e) => e.timestamp as number);
    expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));

    const [glueJob] = PIPELINE_GLUE_JOBS[0] ?? [];
    expect(events[1]).toMatchObject({
      stateEnteredEventDetails: { name: glueJob, input: '{"use_case_name":"DCP"}' },
    });
    expect(events[2]).toMatchObject({
      taskScheduledEventDetails: { resourceType: "glue", resource: "startJobRun.sync", region: "ap-south-1" },
    });
    const detail = (i: number, key: string) => (events[i] as Json)[key] as Json;
    const parameters = JSON.parse(detail(2, "taskScheduledEventDetails").parameters as string);
    expect(parameters).toEqual({ JobName: glueJobOf("DataQualityCheck") });
    const submitted = JSON.parse(detail(4, "taskSubmittedEventDetails").output as string);
    expect(submitted.JobRunId).toMatch(/^jr_[0-9a-f]{64}$/);
    const batchScheduled = events.filter((e) => e.type === "TaskScheduled").at(-1);
    expect(batchScheduled).toMatchObject({
      taskScheduledEventDetails: { resourceType: "batch", resource: "submitJob.sync" },
    });
    expect(events.at(-1)).toMatchObject({
      type: "ExecutionSucceeded",
      executionSucceededEventDetails: { output: '{"status":"done"}' },
    });
  });

  it("omits inputs and outputs when includeExecutionData is false", () => {
    const { clock, arn, history } = start();
    clock.advance(DAY);
    const events = history(arn, { includeExecutionData: false });
    expect(events[0]?.executionStartedEventDetails).not.toHaveProperty("input");
    expect(events[1]?.stateEnteredEventDetails).toEqual({ name: "DataQualityCheck" });
    expect(events.at(-1)?.executionSucceededEventDetails).toEqual({});
  });
});

describe("fake Step Functions: retries and failures", () => {
  const retried = glueRetriedFailure(
    glueJobOf("PrepareFeatures"),
    "An error occurred while calling o112.pyWriteDynamicFrame. Connection reset",
  );
  const finalCause = glueFailureCause({
    jobName: glueJobOf("MapDefectCodes"),
    errorMessage:
      "AnalysisException: Path does not exist: s3://msil-poc-apsouth1-internal/mapping_json/mapping_json.json",
  });

  it("shows a retried attempt as TaskFailed then a new Scheduled/Started/Submitted, with no second TaskStateEntered", () => {
    const { sfn, call, clock, history } = setup();
    sfn.addStateMachine({
      name: "batch-inference",
      script: pipelineSucceeds({ glueMs: MIN, batchMs: MIN, retries: { PrepareFeatures: [retried] } }),
    });
    const { executionArn } = call("StartExecution", { stateMachineArn: SM, name: "retry" });
    clock.advance(DAY);
    const events = history(executionArn as string);
    const from = events.findIndex(
      (e) => (e.stateEnteredEventDetails as Json | undefined)?.name === "PrepareFeatures",
    );
    expect(types(events.slice(from, from + 10))).toEqual([
      "TaskStateEntered",
      "TaskScheduled",
      "TaskStarted",
      "TaskSubmitted",
      "TaskFailed",
      "TaskScheduled",
      "TaskStarted",
      "TaskSubmitted",
      "TaskSucceeded",
      "TaskStateExited",
    ]);
    const failed = events[from + 4];
    expect(failed?.taskFailedEventDetails).toEqual({
      resourceType: "glue",
      resource: "startJobRun.sync",
      error: "States.TaskFailed",
      cause: retried.cause,
    });
    // The retry waits out its interval before being scheduled again.
    const gap = (events[from + 5]?.timestamp as number) - (failed?.timestamp as number);
    expect(gap).toBeCloseTo(30, 3);
    const described = call("DescribeExecution", { executionArn });
    expect(described.status).toBe("SUCCEEDED");
    expect(described).not.toHaveProperty("error");
  });

  it("fails at the third Glue job after the second recovered from a retry", () => {
    const { sfn, call, clock, history } = setup();
    sfn.addStateMachine({
      name: "batch-inference",
      script: pipelineFailsAt(
        { state: "MapDefectCodes", error: "States.TaskFailed", cause: finalCause },
        { glueMs: MIN, retries: { PrepareFeatures: [retried] } },
      ),
    });
    const { executionArn } = call("StartExecution", { stateMachineArn: SM, name: "fail3" });
    clock.advance(DAY);
    const events = history(executionArn as string);
    const exitedOrEntered = events
      .filter((e) => e.type === "TaskStateEntered")
      .map((e) => (e.stateEnteredEventDetails as Json).name);
    expect(exitedOrEntered).toEqual(["DataQualityCheck", "PrepareFeatures", "MapDefectCodes"]);
    expect(types(events.slice(-3))).toEqual(["TaskSubmitted", "TaskFailed", "ExecutionFailed"]);
    expect(events.at(-2)?.taskFailedEventDetails).toMatchObject({
      error: "States.TaskFailed",
      cause: finalCause,
    });
    expect(events.at(-1)?.executionFailedEventDetails).toEqual({
      error: "States.TaskFailed",
      cause: finalCause,
    });
    // Two TaskFailed in all: the recovered retry of PrepareFeatures and the final failure.
    expect(events.filter((e) => e.type === "TaskFailed")).toHaveLength(2);

    const out = call("DescribeExecution", { executionArn });
    expect(out).toMatchObject({
      status: "FAILED",
      error: "States.TaskFailed",
      cause: finalCause,
      redriveStatus: "REDRIVABLE",
    });
    expect(out).not.toHaveProperty("output");
    // 1 min + (45 s failed attempt + 30 s back-off + 1 min) + 1 min.
    expect(out.stopDate).toBe((T0 + 3 * MIN + 75_000) / 1000);
    const cause = JSON.parse(out.cause as string);
    expect(cause).toMatchObject({ JobName: glueJobOf("MapDefectCodes"), JobRunState: "FAILED" });
    expect(cause.Id).toMatch(/^jr_/);
  });

  it("routes a caught failure through a Fail state: TaskFailed, TaskStateExited, FailStateEntered, ExecutionFailed", () => {
    const { sfn, call, clock, history } = setup();
    const cause = batchFailureCause({
      statusReason: "OutOfMemoryError: Container killed due to memory usage",
      exitCode: 137,
    });
    sfn.addStateMachine({
      name: "batch-inference",
      script: pipelineFailsAt(
        { state: PIPELINE_BATCH_STATE, error: "States.TaskFailed", cause, catchTo: "NotifyAndFail" },
        { glueMs: 1000, batchMs: 1000 },
      ),
    });
    const { executionArn } = call("StartExecution", { stateMachineArn: SM, name: "caught" });
    clock.advance(MIN);
    const events = history(executionArn as string);
    expect(types(events.slice(-4))).toEqual([
      "TaskFailed",
      "TaskStateExited",
      "FailStateEntered",
      "ExecutionFailed",
    ]);
    expect(events.filter((e) => e.type === "TaskStateEntered")).toHaveLength(6);
    expect(events.at(-2)?.stateEnteredEventDetails).toMatchObject({ name: "NotifyAndFail" });
    expect(events.at(-1)?.executionFailedEventDetails).toEqual({ error: "States.TaskFailed", cause });
    const parsed = JSON.parse(call("DescribeExecution", { executionArn }).cause as string);
    expect(parsed).toMatchObject({
      Status: "FAILED",
      Container: { ExitCode: 137 },
      JobName: "aws_demo_batch_run",
    });
    expect(parsed.Attempts[0].Container.ExitCode).toBe(137);
    const definition = JSON.parse(call("DescribeStateMachine", { stateMachineArn: SM }).definition as string);
    expect(definition.States.NotifyAndFail.Type).toBe("Fail");
  });

  it("times out at execution level: ExecutionTimedOut, and DescribeExecution has no error or cause", () => {
    const { sfn, call, clock, history } = setup();
    sfn.addStateMachine({
      name: "batch-inference",
      script: { states: pipelineSucceeds({ glueMs: MIN, batchMs: 30 * MIN }).states, outcome: "TIMED_OUT" },
    });
    const { executionArn } = call("StartExecution", { stateMachineArn: SM, name: "slow" });
    clock.set(T0 + 5 * MIN + 30 * MIN - 1);
    expect(call("DescribeExecution", { executionArn }).status).toBe("RUNNING");
    clock.set(T0 + 35 * MIN);
    const out = call("DescribeExecution", { executionArn });
    expect(out).toMatchObject({
      status: "TIMED_OUT",
      stopDate: (T0 + 35 * MIN) / 1000,
      redriveStatus: "REDRIVABLE",
    });
    expect(out).not.toHaveProperty("error");
    expect(out).not.toHaveProperty("cause");
    expect(out).not.toHaveProperty("output");
    const events = history(executionArn as string);
    expect(types(events.slice(-4))).toEqual([
      "TaskScheduled",
      "TaskStarted",
      "TaskSubmitted",
      "ExecutionTimedOut",
    ]);
    expect(events.at(-1)?.executionTimedOutEventDetails).toEqual({});
  });
});

describe("fake Step Functions: StopExecution", () => {
  it("aborts a RUNNING execution now, with the error and cause it was given", () => {
    const { sfn, call, clock, history } = setup();
    sfn.addStateMachine({
      name: "batch-inference",
      script: { states: pipelineSucceeds().states, outcome: "NEVER_ENDS" },
    });
    const { executionArn } = call("StartExecution", { stateMachineArn: SM, name: "forever" });
    clock.advance(DAY);
    expect(call("DescribeExecution", { executionArn }).status).toBe("RUNNING");
    const cause = "Jenkins build aborted: https://jenkins.example.com/job/batch/42/";
    const stopped = call("StopExecution", { executionArn, error: "Aborted", cause });
    expect(stopped).toEqual({ stopDate: (T0 + DAY) / 1000 });
    clock.advance(MIN);
    expect(call("DescribeExecution", { executionArn })).toMatchObject({
      status: "ABORTED",
      stopDate: (T0 + DAY) / 1000,
      error: "Aborted",
      cause,
      redriveStatus: "REDRIVABLE",
    });
    const events = history(executionArn as string);
    expect(events.at(-1)).toMatchObject({
      type: "ExecutionAborted",
      previousEventId: 0,
      executionAbortedEventDetails: { error: "Aborted", cause },
    });
    expect(sfn.stopCalls).toEqual([
      { executionArn, error: "Aborted", cause, at: T0 + DAY, statusBefore: "RUNNING" },
    ]);
  });

  it("aborts without error or cause when none is given", () => {
    const { sfn, call } = setup();
    sfn.addStateMachine({ name: "batch-inference", script: { states: [], outcome: "NEVER_ENDS" } });
    const { executionArn } = call("StartExecution", { stateMachineArn: SM, name: "bare" });
    call("StopExecution", { executionArn });
    const out = call("DescribeExecution", { executionArn });
    expect(out.status).toBe("ABORTED");
    expect(out).not.toHaveProperty("error");
    expect(out).not.toHaveProperty("cause");
  });

  it("succeeds and changes nothing on a closed execution; unknown ones do not exist", () => {
    const { sfn, call, clock, fault, history } = setup();
    sfn.addStateMachine({
      name: "batch-inference",
      script: pipelineSucceeds({ glueMs: 1000, batchMs: 1000 }),
    });
    const { executionArn } = call("StartExecution", { stateMachineArn: SM, name: "quick" });
    clock.advance(MIN);
    const before = history(executionArn as string);
    expect(call("StopExecution", { executionArn, error: "late" })).toEqual({ stopDate: (T0 + MIN) / 1000 });
    expect(call("DescribeExecution", { executionArn })).toMatchObject({
      status: "SUCCEEDED",
      stopDate: (T0 + 6000) / 1000,
    });
    expect(history(executionArn as string)).toEqual(before);
    expect(sfn.stopCalls.at(-1)?.statusBefore).toBe("SUCCEEDED");
    const missing = "arn:aws:states:ap-south-1:123456789012:execution:batch-inference:nope";
    expect(fault("StopExecution", { executionArn: missing }).code).toBe("ExecutionDoesNotExist");
    expect(fault("StopExecution", { executionArn: "arn:bad" }).code).toBe("InvalidArn");
    expect(fault("StopExecution", { executionArn, error: "e".repeat(257) }).code).toBe("ValidationException");
  });
});

describe("fake Step Functions: GetExecutionHistory paging", () => {
  // A Map of 300 Pass iterations: 4 events each, 1,200 + Map and execution events.
  function bigExecution() {
    const ctx = setup();
    const script: ExecutionScript = {
      states: [
        { name: "FanOut", type: "Map", iterations: 300, durationMs: 300_000 },
        { name: "Score", resource: GLUE_SYNC_RESOURCE, durationMs: MIN },
      ],
      outcome: "SUCCEEDED",
    };
    ctx.sfn.addStateMachine({ name: "batch-inference", script });
    const { executionArn } = ctx.call("StartExecution", { stateMachineArn: SM, name: "big" });
    ctx.clock.advance(DAY);
    return { ...ctx, arn: executionArn as string };
  }
  const TOTAL = 1 + 4 + 300 * 4 + 6 + 1;

  it("pages a 1,200-event history with maxResults 1000 and nextToken", () => {
    const { call, arn } = bigExecution();
    const first = call("GetExecutionHistory", { executionArn: arn, maxResults: 1000 });
    const firstEvents = first.events as Json[];
    expect(firstEvents).toHaveLength(1000);
    expect(typeof first.nextToken).toBe("string");
    const second = call("GetExecutionHistory", {
      executionArn: arn,
      maxResults: 1000,
      nextToken: first.nextToken,
    });
    const secondEvents = second.events as Json[];
    expect(secondEvents).toHaveLength(TOTAL - 1000);
    expect(second).not.toHaveProperty("nextToken");
    const ids = [...firstEvents, ...secondEvents].map((e) => e.id);
    expect(ids).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    expect(types(firstEvents.slice(0, 5))).toEqual([
      "ExecutionStarted",
      "MapStateEntered",
      "MapStateStarted",
      "MapIterationStarted",
      "PassStateEntered",
    ]);
    expect(firstEvents[2]?.mapStateStartedEventDetails).toEqual({ length: 300 });
    expect(firstEvents[3]).toMatchObject({
      previousEventId: 3,
      mapIterationStartedEventDetails: { name: "FanOut", index: 0 },
    });
  });

  it("defaults to pages of 100 and treats maxResults 0 as the default", () => {
    const { call, arn } = bigExecution();
    let token: unknown;
    let pages = 0;
    let seen = 0;
    do {
      const page = call("GetExecutionHistory", { executionArn: arn, maxResults: 0, nextToken: token });
      expect((page.events as Json[]).length).toBeLessThanOrEqual(100);
      seen += (page.events as Json[]).length;
      token = page.nextToken;
      pages += 1;
    } while (token);
    expect(seen).toBe(TOTAL);
    expect(pages).toBe(Math.ceil(TOTAL / 100));
  });

  it("lists newest first with reverseOrder, and pages backwards", () => {
    const { call, arn } = bigExecution();
    const first = call("GetExecutionHistory", { executionArn: arn, reverseOrder: true, maxResults: 3 });
    expect((first.events as Json[]).map((e) => e.id)).toEqual([TOTAL, TOTAL - 1, TOTAL - 2]);
    expect((first.events as Json[])[0]?.type).toBe("ExecutionSucceeded");
    const next = call("GetExecutionHistory", {
      executionArn: arn,
      reverseOrder: true,
      maxResults: 2,
      nextToken: first.nextToken,
    });
    expect((next.events as Json[]).map((e) => e.id)).toEqual([TOTAL - 3, TOTAL - 4]);
  });

  it("rejects tokens it did not issue for this listing, and maxResults over 1000", () => {
    const { call, fault, arn, sfn } = bigExecution();
    const first = call("GetExecutionHistory", { executionArn: arn, maxResults: 10 });
    expect(fault("GetExecutionHistory", { executionArn: arn, nextToken: "bogus" }).code).toBe("InvalidToken");
    expect(
      fault("GetExecutionHistory", { executionArn: arn, nextToken: first.nextToken, reverseOrder: true })
        .code,
    ).toBe("InvalidToken");
    const other = call("StartExecution", {
      stateMachineArn: sfn.addStateMachine({ name: "other" }),
      name: "o",
    });
    expect(
      fault("GetExecutionHistory", { executionArn: other.executionArn, nextToken: first.nextToken }).code,
    ).toBe("InvalidToken");
    expect(fault("GetExecutionHistory", { executionArn: arn, maxResults: 1001 }).code).toBe(
      "ValidationException",
    );
    const missing = "arn:aws:states:ap-south-1:123456789012:execution:batch-inference:nope";
    expect(fault("GetExecutionHistory", { executionArn: missing }).code).toBe("ExecutionDoesNotExist");
  });

  it("expires a token after 24 hours", () => {
    const { call, fault, arn, clock } = bigExecution();
    const first = call("GetExecutionHistory", { executionArn: arn, maxResults: 10 });
    clock.advance(DAY + 1);
    expect(fault("GetExecutionHistory", { executionArn: arn, nextToken: first.nextToken }).code).toBe(
      "InvalidToken",
    );
  });

  it("continues a token into events that became visible after it was issued", () => {
    const { sfn, call, clock } = setup();
    sfn.addStateMachine({ name: "batch-inference", script: pipelineSucceeds({ glueMs: MIN, batchMs: MIN }) });
    const { executionArn } = call("StartExecution", { stateMachineArn: SM, name: "live" });
    const early = call("GetExecutionHistory", { executionArn, maxResults: 1 });
    expect(early.nextToken).toBeDefined();
    clock.advance(MIN);
    const rest = call("GetExecutionHistory", { executionArn, maxResults: 1000, nextToken: early.nextToken });
    expect((rest.events as Json[])[0]?.id).toBe(2);
    expect(types(rest.events as Json[])).toContain("TaskSucceeded");
  });
});

describe("fake Step Functions: RedriveExecution", () => {
  const cause = glueFailureCause({ jobName: glueJobOf("MapDefectCodes"), errorMessage: "Job timed out" });

  function failed() {
    const ctx = setup();
    ctx.sfn.addStateMachine({
      name: "batch-inference",
      script: pipelineFailsAt(
        { state: "MapDefectCodes", error: "States.TaskFailed", cause },
        { glueMs: MIN, batchMs: MIN },
      ),
    });
    const { executionArn } = ctx.call("StartExecution", { stateMachineArn: SM, name: "redrive-me" });
    ctx.clock.advance(10 * MIN);
    return { ...ctx, arn: executionArn as string };
  }

  it("resumes from the failed state, appending to the same history, and can then succeed", () => {
    const { call, clock, arn, history } = failed();
    const before = history(arn).length;
    const redriveAt = clock.now();
    expect(call("RedriveExecution", { executionArn: arn })).toEqual({ redriveDate: redriveAt / 1000 });
    const running = call("DescribeExecution", { executionArn: arn });
    expect(running).toMatchObject({
      status: "RUNNING",
      redriveCount: 1,
      redriveDate: redriveAt / 1000,
      redriveStatus: "NOT_REDRIVABLE",
      redriveStatusReason: "Execution is RUNNING and cannot be redriven",
    });
    expect(running).not.toHaveProperty("error");
    const events = history(arn);
    expect(events[before]).toMatchObject({
      id: before + 1,
      type: "ExecutionRedriven",
      executionRedrivenEventDetails: { redriveCount: 1 },
    });
    expect(events[before + 1]?.stateEnteredEventDetails).toMatchObject({ name: "MapDefectCodes" });
    clock.advance(10 * MIN);
    const done = call("DescribeExecution", { executionArn: arn });
    expect(done).toMatchObject({
      status: "SUCCEEDED",
      redriveCount: 1,
      stopDate: (redriveAt + 4 * MIN) / 1000,
    });
    expect(done).not.toHaveProperty("error");
    const entered = history(arn)
      .filter((e) => e.type === "TaskStateEntered")
      .map((e) => (e.stateEnteredEventDetails as Json).name);
    expect(entered).toEqual([
      "DataQualityCheck",
      "PrepareFeatures",
      "MapDefectCodes",
      "MapDefectCodes",
      "BuildInferenceInput",
      "RefreshAthenaPartitions",
      PIPELINE_BATCH_STATE,
    ]);
  });

  it("continues with a queued redrive script", () => {
    const { sfn, call, clock, arn } = failed();
    sfn.queueRedriveScript(arn, {
      states: [{ name: "MapDefectCodes", durationMs: MIN }],
      outcome: { fail: { state: "MapDefectCodes", error: "States.TaskFailed", cause: "again" } },
    });
    call("RedriveExecution", { executionArn: arn });
    clock.advance(2 * MIN);
    expect(call("DescribeExecution", { executionArn: arn })).toMatchObject({
      status: "FAILED",
      cause: "again",
      redriveCount: 1,
    });
    call("RedriveExecution", { executionArn: arn });
    expect(call("DescribeExecution", { executionArn: arn }).redriveCount).toBe(2);
  });

  it("returns the same redriveDate for a repeated clientToken without redriving twice", () => {
    const { call, clock, arn, history } = failed();
    const first = call("RedriveExecution", { executionArn: arn, clientToken: "tok-1" });
    clock.advance(1000);
    expect(call("RedriveExecution", { executionArn: arn, clientToken: "tok-1" })).toEqual(first);
    expect(history(arn).filter((e) => e.type === "ExecutionRedriven")).toHaveLength(1);
    expect(call("DescribeExecution", { executionArn: arn }).redriveCount).toBe(1);
  });

  it("refuses SUCCEEDED, RUNNING and too-old executions with ExecutionNotRedrivable", () => {
    const { sfn, call, clock, fault, arn } = failed();
    sfn.addStateMachine({ name: "ok", script: pipelineSucceeds({ glueMs: 1000, batchMs: 1000 }) });
    const ok = call("StartExecution", { stateMachineArn: SM.replace("batch-inference", "ok"), name: "ok" });
    expect(fault("RedriveExecution", { executionArn: ok.executionArn }).code).toBe("ExecutionNotRedrivable");
    clock.advance(MIN);
    const succeeded = fault("RedriveExecution", { executionArn: ok.executionArn });
    expect(succeeded).toMatchObject({
      code: "ExecutionNotRedrivable",
      message: "Execution is SUCCEEDED and cannot be redriven",
    });
    clock.advance(14 * DAY + 1);
    expect(fault("RedriveExecution", { executionArn: arn }).message).toBe(
      "Execution redrivable period exceeded",
    );
    expect(call("DescribeExecution", { executionArn: arn }).redriveStatus).toBe("NOT_REDRIVABLE");
  });

  it("redrives an ABORTED execution from the state that was running when it was stopped", () => {
    const { sfn, call, clock, history } = setup();
    sfn.addStateMachine({ name: "batch-inference", script: pipelineSucceeds({ glueMs: MIN, batchMs: MIN }) });
    const { executionArn } = call("StartExecution", { stateMachineArn: SM, name: "stopped" });
    clock.advance(2 * MIN + 30_000);
    call("StopExecution", { executionArn });
    call("RedriveExecution", { executionArn });
    clock.advance(DAY);
    expect(call("DescribeExecution", { executionArn }).status).toBe("SUCCEEDED");
    const entered = history(executionArn as string)
      .filter((e) => e.type === "TaskStateEntered")
      .map((e) => (e.stateEnteredEventDetails as Json).name);
    expect(entered.slice(0, 4)).toEqual([
      "DataQualityCheck",
      "PrepareFeatures",
      "MapDefectCodes",
      "MapDefectCodes",
    ]);
    expect(entered).toHaveLength(7);
  });

  it("redrives a TIMED_OUT execution", () => {
    const { sfn, call, clock } = setup();
    sfn.addStateMachine({
      name: "batch-inference",
      script: { states: pipelineSucceeds().states, outcome: "TIMED_OUT" },
    });
    const { executionArn } = call("StartExecution", { stateMachineArn: SM, name: "to" });
    clock.advance(DAY);
    expect(call("DescribeExecution", { executionArn }).status).toBe("TIMED_OUT");
    call("RedriveExecution", { executionArn });
    clock.advance(DAY);
    expect(call("DescribeExecution", { executionArn }).status).toBe("SUCCEEDED");
  });
});

describe("fake Step Functions: eventual consistency after a start", () => {
  it("answers ExecutionDoesNotExist for the first describeLagCalls DescribeExecution calls", () => {
    const { sfn, call, fault } = setup({ describeLagCalls: 2 });
    sfn.addStateMachine({ name: "batch-inference", script: pipelineSucceeds() });
    const { executionArn } = call("StartExecution", { stateMachineArn: SM, name: "lag" });
    expect(fault("DescribeExecution", { executionArn }).code).toBe("ExecutionDoesNotExist");
    expect(fault("DescribeExecution", { executionArn }).code).toBe("ExecutionDoesNotExist");
    expect(call("DescribeExecution", { executionArn }).status).toBe("RUNNING");
    sfn.setDescribeLag(0);
    const next = call("StartExecution", { stateMachineArn: SM, name: "no-lag" });
    expect(call("DescribeExecution", { executionArn: next.executionArn }).status).toBe("RUNNING");
  });
});

describe("fake Step Functions: inspection helpers", () => {
  it("lists executions with their status at a given time", () => {
    const { sfn, call } = setup();
    sfn.addStateMachine({
      name: "batch-inference",
      script: pipelineSucceeds({ glueMs: 1000, batchMs: 1000 }),
    });
    const { executionArn } = call("StartExecution", { stateMachineArn: SM, name: "seen", input: '{"a":1}' });
    expect(sfn.executions().map((e) => e.status)).toEqual(["RUNNING"]);
    const later = sfn.getExecution(executionArn as string, T0 + MIN);
    expect(later).toMatchObject({ status: "SUCCEEDED", input: '{"a":1}', stopDate: T0 + 6000 });
    expect(later?.visibleEvents).toBe(later?.timeline.length);
    expect(sfn.getExecution("nope")).toBeUndefined();
  });
});

// The same service behind the HTTP core, driven by the real SDK client.
describe("fake Step Functions through @aws-sdk/client-sfn", () => {
  let fake: FakeAws;
  let sfn: SfnService;
  let client: SFNClient;
  const clock = fakeClock();

  beforeEach(async () => {
    clock.set(T0);
    sfn = createSfnService({ clock });
    fake = await startFakeAws({ services: [sfn], clock });
    client = new SFNClient({
      endpoint: fake.url,
      region: "ap-south-1",
      credentials: { accessKeyId: "x", secretAccessKey: "y" },
    });
  });

  afterEach(async () => {
    client.destroy();
    await fake.close();
  });

  it("starts idempotently, follows a failure to the end and parses dates", async () => {
    const cause = glueFailureCause({ jobName: glueJobOf("MapDefectCodes"), errorMessage: "boom" });
    sfn.addStateMachine({
      name: "batch-inference",
      script: pipelineFailsAt(
        { state: "MapDefectCodes", error: "States.TaskFailed", cause },
        {
          glueMs: MIN,
          retries: { PrepareFeatures: [glueRetriedFailure(glueJobOf("PrepareFeatures"), "flaky")] },
        },
      ),
    });
    const sm = await client.send(new DescribeStateMachineCommand({ stateMachineArn: SM }));
    expect(sm.type).toBe("STANDARD");
    const input = '{"use_case_name":"DCP"}';
    const started = await client.send(new StartExecutionCommand({ stateMachineArn: SM, name: "sdk", input }));
    expect(started.startDate).toEqual(new Date(T0));
    const again = await client.send(new StartExecutionCommand({ stateMachineArn: SM, name: "sdk", input }));
    expect(again.executionArn).toBe(started.executionArn);
    const conflict = client.send(
      new StartExecutionCommand({ stateMachineArn: SM, name: "sdk", input: "{}" }),
    );
    await expect(conflict).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: SM, name: "bad name" })),
    ).rejects.toBeInstanceOf(InvalidName);

    clock.advance(DAY);
    const out = await client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(out).toMatchObject({
      status: "FAILED",
      error: "States.TaskFailed",
      cause,
      redriveStatus: "REDRIVABLE",
    });
    expect(out.stopDate).toBeInstanceOf(Date);
    const history = await client.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn }));
    const failedTasks = (history.events ?? []).filter((e) => e.type === "TaskFailed");
    expect(failedTasks).toHaveLength(2);
    expect(history.events?.at(-1)?.executionFailedEventDetails).toEqual({
      error: "States.TaskFailed",
      cause,
    });
    expect(history.events?.[0]?.timestamp).toEqual(new Date(T0));
    expect(fake.callsTo("StartExecution").map((c) => c.outcome)).toEqual([200, 200, 400, 400]);
  });

  it("pages a history of over 1,000 events with the SDK paginator", async () => {
    sfn.addStateMachine({
      name: "batch-inference",
      script: {
        states: [{ name: "FanOut", type: "Map", iterations: 300, durationMs: MIN }],
        outcome: "SUCCEEDED",
      },
    });
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: SM, name: "big" }),
    );
    clock.advance(DAY);
    const events: HistoryEvent[] = [];
    for await (const page of paginateGetExecutionHistory(
      { client, pageSize: 1000 },
      { executionArn, maxResults: 1000 },
    )) {
      events.push(...(page.events ?? []));
    }
    expect(events).toHaveLength(1 + 4 + 1200 + 1);
    expect(events.at(-1)?.type).toBe("ExecutionSucceeded");
    expect(fake.callsTo("GetExecutionHistory")).toHaveLength(2);
    await expect(
      client.send(new GetExecutionHistoryCommand({ executionArn, nextToken: "forged" })),
    ).rejects.toBeInstanceOf(InvalidToken);
  });

  it("stops, redrives and reports eventual-consistency misses as typed errors", async () => {
    sfn.addStateMachine({
      name: "batch-inference",
      script: { states: pipelineSucceeds().states, outcome: "NEVER_ENDS" },
    });
    sfn.setDescribeLag(1);
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: SM, name: "stop-me" }),
    );
    await expect(client.send(new DescribeExecutionCommand({ executionArn }))).rejects.toBeInstanceOf(
      ExecutionDoesNotExist,
    );
    expect((await client.send(new DescribeExecutionCommand({ executionArn }))).status).toBe("RUNNING");

    clock.advance(MIN);
    const stop = await client.send(
      new StopExecutionCommand({ executionArn, error: "Aborted", cause: "SIGTERM" }),
    );
    expect(stop.stopDate).toEqual(new Date(T0 + MIN));
    const aborted = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(aborted).toMatchObject({ status: "ABORTED", error: "Aborted", cause: "SIGTERM" });
    expect(sfn.stopCalls).toHaveLength(1);

    const redrive = await client.send(new RedriveExecutionCommand({ executionArn }));
    expect(redrive.redriveDate).toEqual(new Date(T0 + MIN));
    const running = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(running).toMatchObject({ status: "RUNNING", redriveCount: 1 });
    clock.advance(DAY);
    expect((await client.send(new DescribeExecutionCommand({ executionArn }))).status).toBe("SUCCEEDED");
    await expect(client.send(new RedriveExecutionCommand({ executionArn }))).rejects.toBeInstanceOf(
      ExecutionNotRedrivable,
    );
  });
});

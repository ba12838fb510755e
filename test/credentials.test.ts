import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { pipelineSucceeds } from "./fake-aws/sfn-scenarios.js";
import { SEED_ACCOUNT } from "./helpers/aws.js";
import { type FastRun, runFast, useFastWorld } from "./helpers/fast-world.js";
import { seedWorkspace } from "./helpers/seed.js";

// Long waits and the credentials that must outlive them, in-process against
// the local endpoint on a virtual clock: its STS hands out sessions that
// expire on that clock, and every fake service refuses an expired one with
// ExpiredTokenException, as AWS does.
const world = useFastWorld();
const ROLE = `arn:aws:iam::${SEED_ACCOUNT}:role/batchinf-long-wait`;
const HOUR = 3_600_000;
/** A three-hour pipeline: five Glue jobs, then a Batch job, half an hour each. */
const THREE_HOURS = { glueMs: HOUR / 2, batchMs: HOUR / 2 };
let machineAdded = false;

function machine(): string {
  if (!machineAdded) {
    world.sfn.addStateMachine({ name: "batch-inference-DCP", script: pipelineSucceeds(THREE_HOURS) });
    machineAdded = true;
  }
  return world.stateMachineArn;
}

function run(args: string[]): Promise<FastRun> {
  machine();
  const cwd = seedWorkspace();
  return runFast(
    world,
    ["run", "--result-file", join(cwd, "result.json"), "--max-poll-interval", "1m", ...args],
    {
      cwd,
    },
  );
}

afterEach(() => {
  world.sts.setSessionSeconds(undefined);
});

describe("--assume-role: a wait longer than a role session", () => {
  it("renews the session before it expires, one AssumeRole per renewal, and no poll fails across three hours", async () => {
    world.sts.allowAssume(ROLE);
    world.sfn.queueScript(machine(), pipelineSucceeds(THREE_HOURS));
    const result = await run(["--assume-role", ROLE]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /AWS credentials: role arn:aws:iam::731580992380:role\/batchinf-long-wait \(--assume-role\)/,
    );

    const polls = world.fake.callsTo("GetExecutionHistory");
    expect(polls.length).toBeGreaterThan(100);
    expect(polls.every((call) => call.outcome === 200)).toBe(true);
    expect(world.fake.calls.filter((call) => call.errorCode === "ExpiredTokenException")).toEqual([]);
    expect(result.stderr).not.toMatch(/polling failed/);

    // Sessions last an hour (the role-chaining cap); each is renewed within 5 minutes of its expiry, never later.
    const assumes = world.fake.callsTo("AssumeRole");
    expect(assumes.every((call) => call.outcome === 200)).toBe(true);
    // The first test of the file: every session STS handed out is one of these calls.
    expect(assumes.length).toBe(world.sts.assumed.length);
    // Sessions from 0, ~55, ~110 and ~165 minutes into a three-hour wait.
    expect(assumes.length).toBe(4);
    for (const [i, session] of world.sts.assumed.entries()) {
      expect(session.roleArn).toBe(ROLE);
      expect(session.roleSessionName).toMatch(/^batchinf-jenkins-ml-batch-inference-/);
      const next = world.sts.assumed[i + 1];
      if (!next) continue;
      const renewedBeforeExpiry = session.expiresAt - (assumes[i + 1]?.at ?? 0);
      expect(renewedBeforeExpiry).toBeGreaterThan(0);
      expect(renewedBeforeExpiry).toBeLessThanOrEqual(5 * 60_000);
    }
    // The calls of every client went out under the current session: the result counts AssumeRole like the rest.
    const saved = JSON.parse(readFileSync(join(result.cwd, "result.json"), "utf8"));
    expect(saved.apiCalls.AssumeRole).toBe(assumes.length);
  });

  it("short sessions reach the renewal window quickly: still one AssumeRole per session", async () => {
    world.sts.allowAssume(ROLE);
    world.sts.setSessionSeconds(330);
    world.sfn.queueScript(machine(), pipelineSucceeds({ glueMs: 4 * 60_000, batchMs: 4 * 60_000 }));
    const before = world.sts.assumed.length;
    const result = await run(["--assume-role", ROLE, "--max-poll-interval", "20s"]);
    expect(result.code, result.stderr).toBe(0);
    const assumes = world.fake.callsTo("AssumeRole");
    // 24 minutes of wait, a session good for 30 s before the 5-minute window: about one per 30 s.
    expect(assumes.length).toBeGreaterThan(30);
    expect(assumes.length).toBe(world.sts.assumed.length - before);
    expect(world.fake.calls.filter((call) => call.errorCode === "ExpiredTokenException")).toEqual([]);
  });

  it("a role batchinf may not assume: exit 3, one sentence naming it, nothing started", async () => {
    const other = `arn:aws:iam::${SEED_ACCOUNT}:role/admin`;
    const result = await run(["--assume-role", other]);
    expect(result.code).toBe(3);
    const errors = result.stderr.split("\n").filter((line) => line.startsWith("error:"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^error: batchinf may not assume --assume-role arn:aws:iam::731580992380:role\/admin \(AccessDenied: .*sts:AssumeRole.*\); allow sts:AssumeRole/,
    );
    expect(world.fake.callsTo("StartExecution")).toHaveLength(0);
    expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it("a malformed role ARN is a usage error (exit 2, no call)", async () => {
    const result = await run(["--assume-role", "batchinf-role"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--assume-role='batchinf-role' is not an IAM role ARN/);
    expect(world.fake.calls).toHaveLength(0);
  });
});

describe("credentials that expire mid-wait with no way to renew them", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    for (const [key, value] of Object.entries(world.fake.env({ region: "ap-south-1" })))
      vi.stubEnv(key, value);
  });

  it("exit 3 at once, with the ARN, RUNNING and how to attach again; the result written; never told as a failure", async () => {
    // Jenkins' withAWS hands the build a one-hour session in the environment: nothing can renew it.
    const session = world.sts.issueSession(3600);
    vi.stubEnv("AWS_ACCESS_KEY_ID", session.accessKeyId);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", session.secretAccessKey);
    vi.stubEnv("AWS_SESSION_TOKEN", session.sessionToken);
    world.sfn.queueScript(machine(), pipelineSucceeds(THREE_HOURS));
    const result = await run([]);
    expect(result.code, result.stderr).toBe(3);

    const saved = JSON.parse(readFileSync(join(result.cwd, "result.json"), "utf8"));
    const arn = saved.executionArn as string;
    expect(arn).toMatch(/:execution:batch-inference-DCP:/);
    expect(saved).toMatchObject({
      status: "RUNNING",
      outcome: { exitCode: 3, reason: "credentials-expired" },
    });
    expect(world.sfn.getExecution(arn)?.status).toBe("RUNNING");

    const errors = result.stderr.split("\n").filter((line) => line.startsWith("error:"));
    expect(errors).toEqual([
      `error: The AWS credentials expired while following execution ${arn} (still RUNNING: it keeps running); renew them and attach again with: batchinf wait ${arn}, or pass --assume-role ROLE_ARN so batchinf renews them itself.`,
    ]);
    expect(result.stderr).not.toMatch(/FAILED|polling failed/);
    // At once: the first refused poll ends the wait; nothing is stopped.
    expect(world.fake.calls.filter((call) => call.errorCode === "ExpiredTokenException")).toHaveLength(1);
    expect(world.fake.callsTo("StopExecution")).toHaveLength(0);
  });
});

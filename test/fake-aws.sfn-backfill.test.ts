// The local Step Functions as a backfill needs it: many executions of one
// state machine with outcomes chosen per execution name, ListExecutions, and
// the most executions running at once. Driven with the real SFNClient.
import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  ListExecutionsCommand,
  paginateListExecutions,
  RedriveExecutionCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSfnService, type FakeAws, type SfnService, startFakeAws } from "./fake-aws/index.js";
import { pipelineFailsAt, pipelineSucceeds } from "./fake-aws/sfn-scenarios.js";

const T0 = Date.UTC(2023, 9, 14, 6, 0, 0);
const MIN = 60_000;

let t = T0;
const clock = { now: () => t };
let fake: FakeAws;
let sfn: SfnService;
let client: SFNClient;
let machine: string;
let machines = 0;

beforeAll(async () => {
  sfn = createSfnService({ accountId: "731580992380", region: "ap-south-1", clock });
  fake = await startFakeAws({ services: [sfn], clock });
  client = new SFNClient({ ...fake.clientConfig(), maxAttempts: 1 });
});
afterAll(async () => {
  client?.destroy();
  await fake?.close();
});
beforeEach(() => {
  t = T0;
  machines += 1;
  machine = sfn.addStateMachine({
    name: `batch-inference-${machines}`,
    script: pipelineSucceeds({ glueMs: MIN, batchMs: 35 * MIN }),
  });
});

/** The default script runs 40 minutes (five 1-minute Glue jobs, a 35-minute Batch job); this one fails after 15. */
const FAILS = pipelineFailsAt(
  { state: "RunBatchInference", error: "States.TaskFailed", cause: "container exited 1" },
  { glueMs: MIN, batchMs: 10 * MIN },
);

async function start(name: string, input = "{}"): Promise<string> {
  const out = await client.send(new StartExecutionCommand({ stateMachineArn: machine, name, input }));
  return out.executionArn as string;
}

async function status(executionArn: string): Promise<string | undefined> {
  return (await client.send(new DescribeExecutionCommand({ executionArn }))).status;
}

async function listAll(extra: Record<string, unknown> = {}, pageSize?: number): Promise<ExecutionListItem[]> {
  const items: ExecutionListItem[] = [];
  const pages = paginateListExecutions(
    { client, ...(pageSize ? { pageSize } : {}) },
    { stateMachineArn: machine, ...extra },
  );
  for await (const page of pages) items.push(...(page.executions ?? []));
  return items;
}

async function faultOf(run: () => Promise<unknown>): Promise<SFNServiceException> {
  try {
    await run();
  } catch (error) {
    if (error instanceof SFNServiceException) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

describe("outcomes chosen per execution name", () => {
  it("runs the script the rule picks for a name, the machine's script otherwise", async () => {
    sfn.setScriptForName(machine, (name) => (name.endsWith("20231003") ? FAILS : undefined));
    const ok = await start("bi-20231002");
    const failing = await start("bi-20231003");
    t += 41 * MIN;
    expect(await status(ok)).toBe("SUCCEEDED");
    expect(await status(failing)).toBe("FAILED");
    expect(sfn.getExecution(failing)?.error).toBe("States.TaskFailed");
  });

  it("lets the rule read the input", async () => {
    sfn.setScriptForName(machine, (_name, input) =>
      (JSON.parse(input) as { day?: string }).day === "03" ? FAILS : undefined,
    );
    const a = await start("a", JSON.stringify({ day: "02" }));
    const b = await start("b", JSON.stringify({ day: "03" }));
    t += 41 * MIN;
    expect([await status(a), await status(b)]).toEqual(["SUCCEEDED", "FAILED"]);
  });

  it("still takes a queued script first", async () => {
    sfn.setScriptForName(machine, () => FAILS);
    sfn.queueScript(machine, { states: [], outcome: "SUCCEEDED" });
    const queued = await start("first");
    const picked = await start("second");
    t += 41 * MIN;
    expect([await status(queued), await status(picked)]).toEqual(["SUCCEEDED", "FAILED"]);
  });

  it("refuses a rule for a machine that does not exist", () => {
    expect(() => sfn.setScriptForName(`${machine}-missing`, () => undefined)).toThrow(/no state machine/);
  });
});

describe("ListExecutions", () => {
  it("lists a machine's executions newest first, with status, dates and redrive count", async () => {
    sfn.setScriptForName(machine, (name) => (name === "d2" ? FAILS : undefined));
    await start("d1");
    t += MIN;
    await start("d2");
    t += MIN;
    const d3 = await start("d3");
    t += 30 * MIN;
    const out = await client.send(new ListExecutionsCommand({ stateMachineArn: machine }));
    expect(out.nextToken).toBeUndefined();
    expect(out.executions?.map((e) => [e.name, e.status])).toEqual([
      ["d3", "RUNNING"],
      ["d2", "FAILED"],
      ["d1", "RUNNING"],
    ]);
    const [first, second] = out.executions ?? [];
    expect(first?.executionArn).toBe(d3);
    expect(first?.stateMachineArn).toBe(machine);
    expect(first?.startDate?.getTime()).toBe(T0 + 2 * MIN);
    expect(first?.stopDate).toBeUndefined();
    expect(second?.stopDate?.getTime()).toBe(T0 + MIN + 15 * MIN);
    expect(first?.redriveCount).toBe(0);
  });

  it("filters by status", async () => {
    sfn.setScriptForName(machine, (name) => (name.startsWith("bad") ? FAILS : undefined));
    for (const name of ["ok1", "bad1", "ok2", "bad2"]) await start(name);
    t += 20 * MIN;
    const failed = await listAll({ statusFilter: "FAILED" });
    const running = await listAll({ statusFilter: "RUNNING" });
    expect(failed.map((e) => e.name)).toEqual(["bad2", "bad1"]);
    expect(running.map((e) => e.name)).toEqual(["ok2", "ok1"]);
    expect(await listAll({ statusFilter: "SUCCEEDED" })).toEqual([]);
  });

  it("pages with maxResults and nextToken, no execution twice, none left out", async () => {
    for (let i = 0; i < 25; i++) {
      await start(`e${String(i).padStart(2, "0")}`);
      t += 1000;
    }
    const first = await client.send(new ListExecutionsCommand({ stateMachineArn: machine, maxResults: 10 }));
    expect(first.executions).toHaveLength(10);
    expect(first.nextToken).toEqual(expect.any(String));
    // Started between pages: it is newer than the anchor, so the listing goes on where it was.
    await start("late");
    const second = await client.send(
      new ListExecutionsCommand({ stateMachineArn: machine, maxResults: 10, nextToken: first.nextToken }),
    );
    expect(second.executions?.[0]?.name).toBe("e14");
    const all = await listAll({}, 7);
    expect(all.map((e) => e.name)).toEqual([
      "late",
      ...Array.from({ length: 25 }, (_, i) => `e${String(24 - i).padStart(2, "0")}`),
    ]);
  });

  it("takes up to 1,000 per page and defaults to 100", async () => {
    for (let i = 0; i < 120; i++) await start(`e${i}`);
    const byDefault = await client.send(new ListExecutionsCommand({ stateMachineArn: machine }));
    expect(byDefault.executions).toHaveLength(100);
    const most = await client.send(new ListExecutionsCommand({ stateMachineArn: machine, maxResults: 1000 }));
    expect(most.executions).toHaveLength(120);
    expect(most.nextToken).toBeUndefined();
    const tooMany = await faultOf(() =>
      client.send(new ListExecutionsCommand({ stateMachineArn: machine, maxResults: 1001 })),
    );
    expect(tooMany.name).toBe("ValidationException");
    expect(tooMany.message).toContain("less than or equal to 1000");
  });

  it("refuses a token from another listing, an unknown status and an unknown machine", async () => {
    for (let i = 0; i < 3; i++) await start(`e${i}`);
    const page = await client.send(new ListExecutionsCommand({ stateMachineArn: machine, maxResults: 1 }));
    const mixed = await faultOf(() =>
      client.send(
        new ListExecutionsCommand({
          stateMachineArn: machine,
          statusFilter: "RUNNING",
          maxResults: 1,
          nextToken: page.nextToken,
        }),
      ),
    );
    expect(mixed.name).toBe("InvalidToken");
    const badStatus = await faultOf(() =>
      client.send(new ListExecutionsCommand({ stateMachineArn: machine, statusFilter: "DONE" as never })),
    );
    expect(badStatus.name).toBe("ValidationException");
    const missing = await faultOf(() =>
      client.send(new ListExecutionsCommand({ stateMachineArn: `${machine}-missing` })),
    );
    expect(missing.name).toBe("StateMachineDoesNotExist");
  });

  it("filters redriven executions", async () => {
    sfn.setScriptForName(machine, () => FAILS);
    const redriven = await start("redriven");
    await start("failed");
    t += 16 * MIN;
    await client.send(new RedriveExecutionCommand({ executionArn: redriven }));
    const yes = await listAll({ redriveFilter: "REDRIVEN" });
    const no = await listAll({ redriveFilter: "NOT_REDRIVEN" });
    expect(yes.map((e) => [e.name, e.status, e.redriveCount])).toEqual([["redriven", "RUNNING", 1]]);
    expect(yes[0]?.redriveDate?.getTime()).toBe(T0 + 16 * MIN);
    expect(no.map((e) => e.name)).toEqual(["failed"]);
  });
});

describe("maxConcurrentRunning", () => {
  it("is the most running at one instant, from start and stop times", async () => {
    // 40-minute executions started 15 minutes apart: at most 3 overlap.
    for (let i = 0; i < 6; i++) {
      await start(`e${i}`);
      t += 15 * MIN;
    }
    t += 60 * MIN;
    expect(sfn.maxConcurrentRunning(machine)).toBe(3);
  });

  it("counts only up to now, and an end at the instant of a start does not overlap it", async () => {
    await start("a");
    expect(sfn.maxConcurrentRunning(machine)).toBe(1);
    t += 40 * MIN; // a ends now
    await start("b");
    expect(sfn.maxConcurrentRunning(machine)).toBe(1);
    // Looking back to before b started: only a ran.
    expect(sfn.maxConcurrentRunning(machine, T0 + MIN)).toBe(1);
    expect(sfn.maxConcurrentRunning(machine, T0 - 1)).toBe(0);
  });

  it("ends a run at StopExecution", async () => {
    sfn.setScriptForName(machine, () => ({
      states: [{ name: "Forever", durationMs: MIN }],
      outcome: "NEVER_ENDS",
    }));
    const a = await start("a");
    t += MIN;
    await client.send(new StopExecutionCommand({ executionArn: a, cause: "test" }));
    t += MIN;
    await start("b");
    t += 10 * MIN;
    expect(sfn.maxConcurrentRunning(machine)).toBe(1);
    await start("c");
    expect(sfn.maxConcurrentRunning(machine)).toBe(2);
  });

  it("counts a redriven execution as running again", async () => {
    sfn.setScriptForName(machine, (name) => (name === "failing" ? FAILS : undefined));
    const failing = await start("failing"); // fails after 15 minutes
    t += 20 * MIN;
    await start("other"); // runs 40 minutes
    expect(sfn.maxConcurrentRunning(machine)).toBe(1);
    t += 5 * MIN;
    await client.send(new RedriveExecutionCommand({ executionArn: failing }));
    t += MIN;
    expect(sfn.maxConcurrentRunning(machine)).toBe(2);
  });

  it("counts each machine on its own", async () => {
    await start("a");
    const other = sfn.addStateMachine({ name: `other-${machines}`, script: pipelineSucceeds() });
    await client.send(new StartExecutionCommand({ stateMachineArn: other, name: "x" }));
    await client.send(new StartExecutionCommand({ stateMachineArn: other, name: "y" }));
    expect(sfn.maxConcurrentRunning(machine)).toBe(1);
    expect(sfn.maxConcurrentRunning(other)).toBe(2);
  });
});

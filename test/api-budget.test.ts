import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  API_BUDGET_MIDDLEWARE,
  ApiBudget,
  attachApiBudget,
  BudgetWaitAborted,
} from "../src/aws/api-budget.js";
import { createSfnService, type FakeAws, type SfnService, startFakeAws } from "./fake-aws/index.js";
import { peakInWindow, trackInFlight, VirtualTime } from "./helpers/virtual-time.js";

const T0 = Date.UTC(2023, 9, 14, 6, 0, 0);

/** Grant times of `count` takes started together, each as it was granted. */
async function grantTimes(budget: ApiBudget, time: VirtualTime, count: number): Promise<number[]> {
  const granted: number[] = [];
  await time.run(
    Promise.all(
      Array.from({ length: count }, (_, i) =>
        budget.take(i % 2 ? "DescribeExecution" : "GetExecutionHistory").then(() => granted.push(time.now())),
      ),
    ),
  );
  return granted;
}

describe("ApiBudget", () => {
  it("spaces calls evenly: never more than the rate in any second, no burst", async () => {
    const time = new VirtualTime(T0);
    const budget = new ApiBudget({ ratePerSecond: 5, now: time.now, sleep: time.sleep });
    const granted = await grantTimes(budget, time, 30);
    expect(granted.map((t) => t - T0)).toEqual(Array.from({ length: 30 }, (_, i) => i * 200));
    expect(peakInWindow(granted)).toBe(5);
    // Not even 2 in the same 200 ms: spacing, not a burst at the start of each second.
    expect(peakInWindow(granted, 200)).toBe(1);
    expect(budget.peakRate()).toBe(5);
    expect(budget.calls).toEqual({ GetExecutionHistory: 15, DescribeExecution: 15 });
  });

  it("keeps within the rate for a rate that does not divide a second", async () => {
    const time = new VirtualTime(T0);
    const budget = new ApiBudget({ ratePerSecond: 3, now: time.now, sleep: time.sleep });
    const granted = await grantTimes(budget, time, 20);
    expect(peakInWindow(granted)).toBe(3);
    expect(granted.at(-1)).toBeLessThanOrEqual(T0 + 19 * 334);
  });

  it("grants at once when the budget is idle", async () => {
    const time = new VirtualTime(T0);
    const budget = new ApiBudget({ ratePerSecond: 5, now: time.now, sleep: time.sleep });
    await budget.take("DescribeExecution");
    expect(time.now()).toBe(T0);
    expect(time.sleeping).toBe(0);
  });

  it("serves waiters first come, first served", async () => {
    const time = new VirtualTime(T0);
    const budget = new ApiBudget({ ratePerSecond: 2, now: time.now, sleep: time.sleep });
    const order: string[] = [];
    const callers = ["a", "b", "c", "d", "e"].map((name) => budget.take(name).then(() => order.push(name)));
    await time.run(Promise.all(callers));
    expect(order).toEqual(["a", "b", "c", "d", "e"]);
    // A late arrival queues behind those already waiting.
    const late: string[] = [];
    const first = budget.take("x").then(() => late.push("x"));
    const second = budget.take("y").then(() => late.push("y"));
    await time.run(Promise.all([second, first]));
    expect(late).toEqual(["x", "y"]);
  });

  it("lets a waiter go the moment its signal aborts, and keeps the others in order", async () => {
    const time = new VirtualTime(T0);
    const budget = new ApiBudget({ ratePerSecond: 1, now: time.now, sleep: time.sleep });
    await budget.take("first");
    const controller = new AbortController();
    const order: string[] = [];
    const waiting = budget.take("aborted", controller.signal);
    const after = budget.take("after").then(() => order.push("after"));
    const settled = waiting.catch((error: unknown) => error);
    controller.abort("SIGTERM");
    const error = await settled;
    expect(error).toBeInstanceOf(BudgetWaitAborted);
    expect((error as BudgetWaitAborted).cause).toBe("SIGTERM");
    // It rejected without virtual time moving at all.
    expect(time.now()).toBe(T0);
    await time.run(after);
    expect(order).toEqual(["after"]);
    expect(budget.calls).toEqual({ first: 1, after: 1 });
    expect(budget.waiting).toBe(0);
  });

  it("refuses at once with a signal already aborted", async () => {
    const time = new VirtualTime(T0);
    const budget = new ApiBudget({ ratePerSecond: 5, now: time.now, sleep: time.sleep });
    await expect(budget.take("x", AbortSignal.abort("SIGINT"))).rejects.toBeInstanceOf(BudgetWaitAborted);
    expect(budget.calls).toEqual({});
  });

  it("slows every caller after a throttle, counts a storm once, then recovers", async () => {
    const time = new VirtualTime(T0);
    const budget = new ApiBudget({ ratePerSecond: 4, now: time.now, sleep: time.sleep, recoveryMs: 5_000 });
    expect(budget.currentRate()).toBe(4);
    budget.noteThrottled();
    budget.noteThrottled(); // the same storm: calls that were already in flight
    expect(budget.currentRate()).toBe(2);
    expect(budget.throttled).toBe(2);
    const granted = await grantTimes(budget, time, 5);
    // Spaced 500 ms apart (2 per second) while the backoff lasts.
    expect(granted.slice(1).map((t, i) => t - (granted[i] as number))).toEqual([500, 500, 500, 500]);
    time.sleep(1_000); // a second later: a new throttle doubles again
    await time.run(time.sleep(1_000));
    budget.noteThrottled();
    expect(budget.currentRate()).toBe(1);
    await time.run(time.sleep(5_000));
    expect(budget.currentRate()).toBe(2);
    await time.run(time.sleep(5_000));
    expect(budget.currentRate()).toBe(4);
    await time.run(time.sleep(60_000));
    expect(budget.currentRate()).toBe(4);
  });

  it("never slows down more than maxSlowdown", () => {
    let t = T0;
    const budget = new ApiBudget({
      ratePerSecond: 8,
      now: () => t,
      sleep: async () => undefined,
      maxSlowdown: 4,
    });
    for (let i = 0; i < 10; i++) {
      budget.noteThrottled();
      t += 1_000;
    }
    expect(budget.currentRate()).toBe(2);
  });

  it("stretches waiters already asleep when a throttle arrives", async () => {
    const time = new VirtualTime(T0);
    const budget = new ApiBudget({ ratePerSecond: 10, now: time.now, sleep: time.sleep });
    const granted: number[] = [];
    const callers = Array.from({ length: 4 }, () => budget.take("op").then(() => granted.push(time.now())));
    // Right after the first grant, before the others' slots come, one call comes back throttled.
    await Promise.resolve();
    budget.noteThrottled();
    await time.run(Promise.all(callers));
    expect(granted.map((t) => t - T0)).toEqual([0, 200, 400, 600]);
  });

  it("refuses a rate that is not positive", () => {
    expect(() => new ApiBudget({ ratePerSecond: 0, now: Date.now, sleep: async () => undefined })).toThrow(
      RangeError,
    );
  });
});

describe("attachApiBudget on the real SFNClient, against the local endpoint", () => {
  let time: VirtualTime;
  let fake: FakeAws;
  let sfn: SfnService;
  let executionArn: string;

  beforeAll(async () => {
    time = new VirtualTime(T0);
    sfn = createSfnService({ clock: { now: () => time.now() } });
    fake = await startFakeAws({ services: [sfn], clock: { now: () => time.now() } });
  });
  afterAll(async () => {
    await fake?.close();
  });
  beforeEach(async () => {
    fake.faults.clear();
    const machine = sfn.addStateMachine({ name: `budget-${fake.calls.length}` });
    const client = new SFNClient(fake.clientConfig());
    const started = await client.send(new StartExecutionCommand({ stateMachineArn: machine, name: "e1" }));
    executionArn = started.executionArn as string;
    fake.resetCalls();
  });

  /** A client of the budget whose SDK retries do not wait on wall time. */
  function budgetClient(budget: ApiBudget, maxAttempts = 10): SFNClient {
    const client = new SFNClient({
      ...fake.clientConfig(),
      retryStrategy: new ConfiguredRetryStrategy(maxAttempts, () => 0),
    });
    attachApiBudget(client, budget);
    return trackInFlight(client, time, API_BUDGET_MIDDLEWARE);
  }

  async function describeAll(clients: SFNClient[], perClient: number): Promise<void> {
    await time.run(
      Promise.all(
        clients.map(async (client) => {
          for (let i = 0; i < perClient; i++)
            await client.send(new DescribeExecutionCommand({ executionArn }));
        }),
      ),
    );
  }

  it("30 DescribeExecution calls at rate 5: never more than 5 in any second of the endpoint's clock", async () => {
    const budget = new ApiBudget({ ratePerSecond: 5, now: time.now, sleep: time.sleep });
    // Three followers sharing one budget, each with a client of its own.
    const clients = [budgetClient(budget), budgetClient(budget), budgetClient(budget)];
    const start = time.now();
    await describeAll(clients, 10);
    const seen = fake.callsTo("DescribeExecution").map((call) => call.at);
    expect(seen).toHaveLength(30);
    expect(peakInWindow(seen)).toBe(5);
    expect(time.now() - start).toBe(29 * 200);
    expect(budget.calls).toEqual({ DescribeExecution: 30 });
  });

  it("with 1 call in 3 throttled, all complete, retries take slots and the rate stays within budget", async () => {
    const budget = new ApiBudget({ ratePerSecond: 5, now: time.now, sleep: time.sleep });
    const throttle = fake.faults.add({ operation: "DescribeExecution", kind: "throttle", every: 3 });
    const clients = [budgetClient(budget), budgetClient(budget)];
    await describeAll(clients, 15);
    const seen = fake.callsTo("DescribeExecution");
    const answered = seen.filter((call) => call.outcome === 200);
    expect(answered).toHaveLength(30);
    // Every HTTP attempt the endpoint saw took a slot: the SDK's retries are counted.
    expect(throttle.injected).toBeGreaterThanOrEqual(14);
    expect(budget.calls.DescribeExecution).toBe(seen.length);
    expect(budget.throttled).toBe(throttle.injected);
    expect(peakInWindow(seen.map((call) => call.at))).toBeLessThanOrEqual(5);
    // And it backed off: the calls took longer than at the full rate.
    const span = (seen.at(-1)?.at ?? 0) - (seen[0]?.at ?? 0);
    expect(span).toBeGreaterThan((seen.length - 1) * 200);
  });

  it("counts 5xx retries too and does not slow down for them", async () => {
    const budget = new ApiBudget({ ratePerSecond: 5, now: time.now, sleep: time.sleep });
    fake.faults.add({ operation: "DescribeExecution", kind: "http500", every: 2, count: 3 });
    await describeAll([budgetClient(budget)], 5);
    const seen = fake.callsTo("DescribeExecution");
    expect(seen.filter((call) => call.outcome === 500)).toHaveLength(3);
    expect(budget.calls.DescribeExecution).toBe(8);
    expect(budget.throttled).toBe(0);
  });

  it("a send whose abortSignal aborts while waiting for a slot rejects without a call", async () => {
    const budget = new ApiBudget({ ratePerSecond: 1, now: time.now, sleep: time.sleep });
    const client = budgetClient(budget);
    await time.run(client.send(new DescribeExecutionCommand({ executionArn })));
    const controller = new AbortController();
    const pending = client
      .send(new DescribeExecutionCommand({ executionArn }), { abortSignal: controller.signal })
      .catch((error: unknown) => error);
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort("SIGTERM");
    const error = await pending;
    expect((error as Error).name).toBe("AbortError");
    expect(fake.callsTo("DescribeExecution")).toHaveLength(1);
  });
});

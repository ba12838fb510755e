import { SFNClient } from "@aws-sdk/client-sfn";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_BUDGET_MIDDLEWARE, attachApiBudget } from "../src/aws/api-budget.js";
import { BackfillBudget } from "../src/backfill/budget.js";
import { type DateJob, followDates } from "../src/backfill/follow-dates.js";
import type { ExecutionEvent } from "../src/execution/model.js";
import { newReport, type ServiceDeps, startAndFollow } from "../src/execution/service.js";
import { parseStateMachineArn } from "../src/execution/state-machine.js";
import { Secrets } from "../src/secrets/secrets.js";
import { createSfnService, type FakeAws, type SfnService, startFakeAws } from "./fake-aws/index.js";
import { pipelineStates } from "./fake-aws/sfn-scenarios.js";
import { peakInWindow, trackInFlight, VirtualTime } from "./helpers/virtual-time.js";

// The backfill's followers and its one budget, on a virtual clock that moves
// only while no HTTP attempt is in flight, so the endpoint stamps each call
// at the instant it was sent: what the account's token buckets would see.
// (The CLI test of backfill runs the real command; its SDK client waits out
// each throttle's retry delay in wall time, which 1 throttle in 3 makes far
// too slow for a unit test. Here the SDK retries at once and the budget's
// shared backoff, on virtual time, is the only thing that slows them.)
const T0 = Date.UTC(2023, 9, 14, 6, 0, 0);
let time: VirtualTime;
let fake: FakeAws;
let sfn: SfnService;

beforeAll(async () => {
  time = new VirtualTime(T0);
  sfn = createSfnService({ accountId: "731580992380", region: "ap-south-1", clock: { now: time.now } });
  fake = await startFakeAws({ services: [sfn], clock: { now: time.now } });
});
afterAll(async () => {
  await fake?.close();
});

function jobsFor(machineArn: string, dates: string[]): DateJob[] {
  const machine = parseStateMachineArn(machineArn);
  return dates.map((date) => {
    const [year, month, day] = date.split("-");
    return {
      date,
      running: false,
      report: newReport({ label: date }),
      job: {
        machine,
        name: `dcp-${date.replaceAll("-", "")}-build-7`,
        input: JSON.stringify({ year, month, day }),
        redrive: false,
        secretKeys: new Set<string>(),
        ssmKeys: new Set<string>(),
      },
    };
  });
}

describe("backfill: one budget for every follower", () => {
  it("with 1 call in 3 throttled, 4 dates 2 at a time all succeed and no second of the endpoint's clock sees more than --max-api-rate calls", async () => {
    const machine = sfn.addStateMachine({
      name: "budget-throttled",
      script: { states: pipelineStates({ glueMs: 3 * 60_000 }).slice(0, 2), outcome: "SUCCEEDED" },
    });
    const throttle = fake.faults.add({ service: "AWSStepFunctions", kind: "throttle", every: 3 });
    const rate = 2;
    const budget = new BackfillBudget({ ratePerSecond: rate, now: time.now, sleep: time.sleep });
    const client = trackInFlight(
      attachApiBudget(
        new SFNClient({
          ...fake.clientConfig("ap-south-1"),
          retryStrategy: new ConfiguredRetryStrategy(8, 0),
        }),
        budget,
      ),
      time,
      API_BUDGET_MIDDLEWARE,
    );
    const events: Array<{ date: string; event: ExecutionEvent }> = [];
    const interrupt = new AbortController().signal;
    const jobs = jobsFor(machine, ["2023-10-01", "2023-10-02", "2023-10-03", "2023-10-04"]);
    const deps = (date: string): ServiceDeps => ({
      client,
      secrets: new Secrets(),
      now: time.now,
      sleep: time.sleep,
      interrupt,
      emit: (event) => events.push({ date, event }),
      consoleUrl: () => undefined,
    });
    const schedule = await time.run(
      followDates(
        jobs,
        {
          concurrency: 2,
          failFast: false,
          interrupt,
          now: time.now,
          flow: {
            pollInterval: 2_000,
            maxPollInterval: 20_000,
            stopOnTimeout: false,
            onAbort: "stop",
            abortTimeout: 4_000,
            wait: true,
            dryRun: false,
          },
        },
        {
          startAndFollow,
          depsFor: deps,
          onError: (date, error) => {
            throw new Error(`${date}: ${String(error)}`);
          },
        },
      ),
    );
    client.destroy();
    expect(schedule.notBegun).toHaveLength(0);
    expect(jobs.map((job) => job.report.status)).toEqual([
      "SUCCEEDED",
      "SUCCEEDED",
      "SUCCEEDED",
      "SUCCEEDED",
    ]);
    expect(jobs.every((job) => job.report.start === "started")).toBe(true);
    expect(sfn.maxConcurrentRunning(machine)).toBe(2);
    const calls = fake.calls;
    expect(throttle.injected).toBeGreaterThan(10);
    // Every HTTP attempt, retries included, took a slot; the throttles slowed everyone down.
    expect(Object.values(budget.calls).reduce((a, b) => a + b, 0)).toBe(calls.length);
    expect(budget.throttled).toBe(throttle.injected);
    expect(peakInWindow(calls.map((call) => call.at))).toBeLessThanOrEqual(rate);
    // The ends were still noticed: each date's last event is its end, within the followers' 20 s bound plus backoff.
    for (const job of jobs) {
      const ended = events.filter((entry) => entry.date === job.date && entry.event.type === "ended");
      expect(ended).toHaveLength(1);
      expect((ended[0]?.event.at ?? 0) - (job.report.stoppedAt ?? 0)).toBeLessThan(60_000);
    }
  });
});

import type { SFNClient } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import type { ExecutionEvent, ExecutionReport } from "../src/execution/model.js";
import { HistoryWatch, stateMachineOf } from "../src/watch/history-watch.js";
import { median, type PastRuns, slowAfter } from "../src/watch/medians.js";

/** A watch whose read is already done, to look at what each execution says with it. */
class KnownHistory extends HistoryWatch {
  constructor(private readonly past: PastRuns | Error) {
    super({
      client: {} as SFNClient,
      count: 10,
      ratePerSecond: 5,
      now: () => 0,
      sleep: async () => undefined,
      interrupt: new AbortController().signal,
    });
  }
  override load(): Promise<PastRuns | Error> {
    return Promise.resolve(this.past);
  }
}

const PAST: PastRuns = { runs: 10, medianMs: 3_600_000, states: { A: 600_000 }, calls: 11 };
const ARN = "arn:aws:states:ap-south-1:123456789012:execution:m:run-1";

async function watchEvents(past: PastRuns | Error, first: ExecutionEvent["type"]) {
  const events: ExecutionEvent[] = [];
  const watch = new KnownHistory(past).forExecution((event) => events.push(event));
  watch.onEvent({ type: first as "started", at: 0, executionArn: ARN, name: "run-1", startedAt: 0 });
  watch.onPoll([]);
  await new Promise((resolve) => setImmediate(resolve));
  const report = { status: "SUCCEEDED", states: [], outcome: { kind: "started" } } as ExecutionReport;
  watch.onEvent({ type: "ended", at: 1, report });
  return { events, report };
}

describe("ExecutionWatch", () => {
  it("a redriven execution: said, no expected end, the state medians kept", async () => {
    const { events, report } = await watchEvents(PAST, "redriven");
    const notes = events.filter((e) => e.type === "notice").map((e) => (e as { message: string }).message);
    expect(notes).toEqual([
      "--history: this execution was redriven and restarts midway, so no expected end (each state's median still holds).",
    ]);
    expect(report.expected).toMatchObject({ basedOn: 10, states: { A: 600_000 } });
    expect(report.expected?.endAt).toBeUndefined();
  });
  it("gives the poll schedule each state's median and the expected end once read", async () => {
    const watch = new KnownHistory(PAST).forExecution(() => undefined);
    expect(watch.expectations()).toBeUndefined();
    watch.onEvent({ type: "started", at: 0, executionArn: ARN, name: "run-1", startedAt: 1_000 });
    watch.onPoll([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(watch.expectations()).toEqual({ medians: new Map([["A", 600_000]]), expectedEnd: 3_601_000 });
  });
  it("a read that failed: one warning, no estimate, never fatal", async () => {
    const error = Object.assign(new Error("User is not authorized to perform: states:ListExecutions"), {
      name: "AccessDeniedException",
    });
    const { events, report } = await watchEvents(error, "started");
    const notes = events.filter((e) => e.type === "notice");
    expect(notes).toMatchObject([
      { level: "warn", message: expect.stringMatching(/AccessDeniedException.*no expected end/) },
    ]);
    expect(report.expected?.note).toMatch(/could not be read/);
  });
  it("medians and the slow threshold", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeUndefined();
    expect(slowAfter(600_000)).toBe(1_500_000);
    expect(stateMachineOf(ARN)).toBe("arn:aws:states:ap-south-1:123456789012:stateMachine:m");
  });
});

import fc from "fast-check";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import type { ExecutionReport } from "../src/execution/model.js";
import { renderJunit } from "../src/report/junit.js";
import { Secrets } from "../src/secrets/secrets.js";
import {
  abortReport,
  backfillReports,
  FAILING_STATE,
  failureReport,
  GLUE_ERROR_MESSAGE,
  LOG_TAIL_LINES,
  leakForms,
  PIPELINE_STATES,
  RETRIED_STATE,
  reportWithSecret,
  secretArbitrary,
  successReport,
  T0,
  timeoutReport,
} from "./helpers/reports.js";

interface Attrs {
  "@name": string;
  "@tests"?: string;
  "@failures"?: string;
  "@errors"?: string;
  "@skipped"?: string;
  "@time": string;
  "@timestamp"?: string;
  "@classname"?: string;
}
interface Problem {
  "@message": string;
  "@type": string;
  "#text"?: string;
}
interface TestCase extends Attrs {
  failure?: Problem;
  error?: Problem;
  skipped?: { "@message": string };
  "system-out"?: string;
}
interface TestSuite extends Attrs {
  testcase: TestCase[];
  properties?: { property: Array<{ "@name": string; "@value": string }> };
  "system-out"?: string;
}
interface Parsed {
  testsuites: Attrs & { testsuite: TestSuite[] };
}

const NOW = T0 + 600_000;

function render(reports: readonly ExecutionReport[], secrets = new Secrets()): string {
  return renderJunit(reports, { secrets, now: NOW });
}

/** Parse as the junit plugin would: well-formed first, then the elements. */
function parse(xml: string): Parsed {
  expect(XMLValidator.validate(xml)).toBe(true);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    isArray: (name) => ["testsuite", "testcase", "property"].includes(name),
  });
  return parser.parse(xml) as Parsed;
}

function suiteOf(reports: readonly ExecutionReport[]): TestSuite {
  const [suite] = parse(render(reports)).testsuites.testsuite;
  if (!suite) throw new Error("no testsuite");
  return suite;
}

function caseNamed(suite: TestSuite, name: string): TestCase {
  const found = suite.testcase.find((c) => c["@name"] === name);
  if (!found) throw new Error(`no testcase ${name} in ${suite.testcase.map((c) => c["@name"]).join(", ")}`);
  return found;
}

describe("renderJunit", () => {
  it("a success: one testsuite, a passing testcase per step in order, timed like the steps", () => {
    const report = successReport();
    const parsed = parse(render([report]));
    expect(parsed.testsuites["@tests"]).toBe("6");
    expect(parsed.testsuites["@failures"]).toBe("0");
    const [suite] = parsed.testsuites.testsuite;
    expect(suite?.["@name"]).toBe(report.name);
    expect(suite?.["@timestamp"]).toBe("2023-10-14T06:00:00");
    expect(Number(suite?.["@time"])).toBeCloseTo(((report.stoppedAt ?? 0) - T0) / 1000, 3);
    expect(suite?.testcase.map((c) => c["@name"])).toEqual(PIPELINE_STATES);
    for (const [index, testcase] of (suite?.testcase ?? []).entries()) {
      const run = report.states[index];
      expect(Number(testcase["@time"])).toBeCloseTo(((run?.exitedAt ?? 0) - (run?.enteredAt ?? 0)) / 1000, 3);
      expect(testcase["@classname"]).toBe(`batchinf.${report.name}`);
      expect(testcase.failure ?? testcase.error ?? testcase.skipped).toBeUndefined();
    }
    expect(suite?.properties?.property).toContainEqual({ "@name": "status", "@value": "SUCCEEDED" });
  });

  it("a failure after a retried step: the failure on the failing step with error, cause and log tail; the rest skipped", () => {
    const suite = suiteOf([failureReport()]);
    expect([suite["@tests"], suite["@failures"], suite["@errors"], suite["@skipped"]]).toEqual([
      "6",
      "1",
      "0",
      "3",
    ]);

    const failing = caseNamed(suite, FAILING_STATE);
    expect(failing.failure?.["@type"]).toBe("States.TaskFailed");
    expect(failing.failure?.["@message"]).toBe(`States.TaskFailed: ${GLUE_ERROR_MESSAGE}`);
    const text = failing.failure?.["#text"] ?? "";
    // The cause, a Glue JobRun as JSON, pretty-printed; the log tail line by line.
    expect(text).toContain('\n  "JobName": "DCP-batch-inference-mapping",\n');
    for (const line of LOG_TAIL_LINES) expect(text).toContain(line);
    expect(text).toContain("Last 6 log lines (/aws-glue/jobs/error jr_");

    const retried = caseNamed(suite, RETRIED_STATE);
    expect(retried.failure ?? retried.error).toBeUndefined();
    const out = retried["system-out"] ?? "";
    expect(out).toMatch(/attempt 1: .* failed, retried: Glue\.ConcurrentRunsExceededException/);
    expect(out).toMatch(/attempt 2: .* succeeded/);
    expect(out).toContain(
      "Cause of attempt 1:\nConcurrent runs exceeded for DCP-batch-inference-feature-prep",
    );

    const skipped = suite.testcase.filter((c) => c.skipped);
    expect(skipped.map((c) => c["@name"])).toEqual(PIPELINE_STATES.slice(3));
    expect(skipped.every((c) => c.skipped?.["@message"] === "never reached")).toBe(true);
  });

  it("--no-wait: no error and no failure, a skipped case for the execution (an error made Jenkins mark the build UNSTABLE)", () => {
    const report: ExecutionReport = {
      ...successReport(),
      status: "RUNNING",
      states: [],
      stoppedAt: undefined,
      outcome: { kind: "started" },
      definitionStates: [...PIPELINE_STATES],
    };
    const suite = suiteOf([report]);
    expect([suite["@failures"], suite["@errors"]]).toEqual(["0", "0"]);
    expect(suite["@skipped"]).toBe(suite["@tests"]);
    expect(caseNamed(suite, "(the execution)").skipped?.["@message"]).toMatch(/not followed \(--no-wait\)/);
    expect(caseNamed(suite, PIPELINE_STATES[0] as string).skipped?.["@message"]).toBe("not reached yet");
  });

  it("a timeout: the running step gets an error saying the wait timed out; later steps are not reached yet", () => {
    const suite = suiteOf([timeoutReport()]);
    expect([suite["@tests"], suite["@failures"], suite["@errors"], suite["@skipped"]]).toEqual([
      "6",
      "0",
      "1",
      "2",
    ]);
    const running = caseNamed(suite, PIPELINE_STATES[3] ?? "");
    expect(running.error?.["@message"]).toBe(
      "batchinf stopped waiting at --timeout after 10m00s while this step was running; the execution keeps running",
    );
    expect(running.error?.["@type"]).toBe("not-finished");
    // Its time runs to the moment batchinf stopped watching.
    expect(Number(running["@time"])).toBeCloseTo(
      (NOW - (timeoutReport().states[3]?.enteredAt ?? 0)) / 1000,
      3,
    );
    expect(
      suite.testcase.filter((c) => c.skipped).every((c) => c.skipped?.["@message"] === "not reached yet"),
    ).toBe(true);
    expect(suite["system-out"]).toContain("the execution keeps running");
  });

  it("an abort: the step running at SIGTERM gets an error saying the execution was stopped", () => {
    const suite = suiteOf([abortReport()]);
    expect([suite["@tests"], suite["@failures"], suite["@errors"], suite["@skipped"]]).toEqual([
      "6",
      "0",
      "1",
      "0",
    ]);
    const batch = caseNamed(suite, "RunBatchInference");
    expect(batch.error?.["@type"]).toBe("ABORTED");
    expect(batch.error?.["@message"]).toMatch(
      /interrupted \(SIGTERM\) after 11m22s .*stopped the execution \(aborted\)/,
    );
    expect(suite.testcase.slice(0, 5).every((c) => !c.error && !c.failure)).toBe(true);
  });

  it("a backfill: a testsuite per date named with the date, totals over all", () => {
    const reports = backfillReports(10);
    const parsed = parse(render(reports));
    expect(parsed.testsuites.testsuite.map((s) => s["@name"].slice(0, 10))).toEqual(
      reports.map((r) => r.label),
    );
    expect(parsed.testsuites.testsuite[3]?.["@name"]).toBe(`2023-10-04 ${reports[3]?.name}`);
    expect(parsed.testsuites["@tests"]).toBe("60");
    expect(parsed.testsuites["@failures"]).toBe("1");
    expect(parsed.testsuites["@skipped"]).toBe("3");
  });

  it("an execution that failed with no step to blame still shows as one failed test", () => {
    const report: ExecutionReport = {
      ...successReport(),
      status: "FAILED",
      states: [],
      outcome: { kind: "ended", status: "FAILED" },
      error: "States.Runtime",
      cause: "An error occurred while executing the state 'Start'",
    };
    const suite = suiteOf([report]);
    const only = caseNamed(suite, "(the execution)");
    expect(only.failure?.["@type"]).toBe("States.Runtime");
    expect(suite["@failures"]).toBe("1");
  });

  it("shows characters XML cannot hold as \\uXXXX, so the file always parses", () => {
    const report = failureReport();
    const evil = "ok\u0000nul \u001b[31mred\u001b[0m \uFFFE \uD800 lone \u{1F600} emoji\u0007";
    if (report.failure?.task?.log) report.failure.task.log.lines.push({ timestamp: T0, message: evil });
    if (report.failure) report.failure.error = `E\u0001rror`;
    const xml = render([report]);
    expect(xml).not.toMatch(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u);
    const text =
      caseNamed(parse(xml).testsuites.testsuite[0] as TestSuite, FAILING_STATE).failure?.["#text"] ?? "";
    expect(text).toContain(
      "ok\\u0000nul \\u001b[31mred\\u001b[0m \\ufffe \\ud800 lone \u{1F600} emoji\\u0007",
    );
    expect(xml).toContain('type="E\\u0001rror"');
  });

  it("never breaks on any text in any field (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 40 }),
        fc.string({ unit: "binary", maxLength: 40 }),
        (a, b) => {
          const report = failureReport();
          const first = report.states[0];
          if (first) first.name = a || "x";
          report.definitionStates = report.states.map((run) => run.name);
          if (report.failure) report.failure.cause = b;
          if (report.failure?.task?.log)
            report.failure.task.log.lines = [{ timestamp: T0, message: `${a}${b}` }];
          report.name = `n${b}`;
          const xml = render([report]);
          expect(XMLValidator.validate(xml)).toBe(true);
          expect(parse(xml).testsuites.testsuite[0]?.testcase.length).toBe(3);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("renderJunit: secrets", () => {
  it("never writes a secret raw, JSON-escaped or URL-encoded, in the file or in what a parser reads back", () => {
    fc.assert(
      fc.property(secretArbitrary, (secret) => {
        const secrets = new Secrets();
        secrets.add(secret);
        const xml = render([reportWithSecret(secret)], secrets);
        const parsedText = JSON.stringify(parse(xml));
        for (const form of leakForms(secret)) {
          expect(xml).not.toContain(form);
          expect(parsedText).not.toContain(JSON.stringify(form).slice(1, -1));
        }
        expect(xml).toContain("****");
      }),
      { numRuns: 60 },
    );
  });

  it("masks the report before building: the secret inside a JSON cause is masked in the pretty-printed cause", () => {
    const secrets = new Secrets();
    secrets.add("s3cr3t-Pa55word");
    const xml = render([reportWithSecret("s3cr3t-Pa55word")], secrets);
    const failing = caseNamed(parse(xml).testsuites.testsuite[0] as TestSuite, FAILING_STATE);
    expect(failing.failure?.["#text"]).toContain('"--db-password": "****"');
    expect(xml).not.toContain("s3cr3t");
  });
});

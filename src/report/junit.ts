/**
 * The run as JUnit XML, for Jenkins' `junit` step: a testsuite per execution,
 * a testcase per step that ran (its time is the step's duration), a failure
 * on the step the failure is blamed on (error, cause, the task's log tail), an
 * error on a step that was still running when a timeout or an abort ended
 * the wait, and steps of the definition that never ran as skipped. Jenkins'
 * Tests tab then answers "which step broke, and how long did each take", and
 * its trend charts step durations across builds.
 *
 * Elements and attributes are those of the JUnit schema the junit plugin
 * reads (testsuites > testsuite > properties, testcase > skipped | error |
 * failure, system-out).
 */

import type { ExecutionReport } from "../execution/model.js";
import { ATTR, buildXml, type XmlNode } from "../io/xml.js";
import type { Secrets } from "../secrets/secrets.js";
import { roundedUsage, type Usage, usedTotals } from "../usage/usage.js";
import { preflightOf, preflightSuite } from "./preflight-report.js";
import { type AttemptView, type ExecutionView, executionViews, isoSeconds, type StepView } from "./view.js";

export interface JunitOptions {
  secrets: Secrets;
  /** The clock when the file is written: the end of anything still running. */
  now: number;
  /** The testsuites' name (default "batchinf run"). */
  name?: string;
  /** false: only the preflight's testsuite (`batchinf preflight` started nothing to report). */
  executions?: boolean;
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

export function renderJunit(reports: readonly ExecutionReport[], options: JunitOptions): string {
  const views = options.executions === false ? [] : executionViews(reports, options);
  const preflight = preflightOf(reports, options.secrets);
  const suites = [
    ...(preflight ? [preflightSuite(preflight)] : []),
    ...views.map((view, index) => testsuite(view, options.now, reports[index]?.outcome.kind === "started")),
  ];
  const total = suites.reduce(
    (sum, suite) => ({
      tests: sum.tests + suite.counts.tests,
      failures: sum.failures + suite.counts.failures,
      errors: sum.errors + suite.counts.errors,
      skipped: sum.skipped + suite.counts.skipped,
    }),
    { tests: 0, failures: 0, errors: 0, skipped: 0 },
  );
  const seconds = views.reduce((sum, view) => sum + view.durationMs, 0);
  return `${buildXml({
    testsuites: {
      [`${ATTR}name`]: options.name ?? "batchinf run",
      ...countAttributes(total),
      [`${ATTR}time`]: seconds3(seconds),
      testsuite: suites.map((suite) => suite.node),
    },
  })}\n`;
}

/** `notFollowed`: started with --no-wait, so this build does not know how it ends. */
function testsuite(
  view: ExecutionView,
  now: number,
  notFollowed: boolean,
): { node: XmlNode; counts: Counts } {
  const classname = `batchinf.${view.name.replaceAll(".", "_")}`;
  const cases = view.steps.map((step) => stepCase(step, view, classname));
  for (const state of view.skipped) {
    cases.push({
      kind: "skipped",
      node: {
        [`${ATTR}name`]: state,
        [`${ATTR}classname`]: classname,
        [`${ATTR}time`]: "0",
        skipped: { [`${ATTR}message`]: view.skippedReason },
      },
    });
  }
  // A failed or interrupted execution with no step to blame (it failed before
  // any step, or batchinf ended with an error) still shows as one red test.
  const flagged = cases.some((c) => c.kind === "failure" || c.kind === "error");
  // --no-wait is a start that succeeded, not a run that broke: skipped, so Jenkins stays green (an error made it UNSTABLE).
  if (notFollowed && !flagged) cases.push(notFollowedCase(classname));
  else if (!flagged && view.tone !== "ok" && view.tone !== "unknown")
    cases.push(executionCase(view, classname));
  const counts: Counts = {
    tests: cases.length,
    failures: cases.filter((c) => c.kind === "failure").length,
    errors: cases.filter((c) => c.kind === "error").length,
    skipped: cases.filter((c) => c.kind === "skipped").length,
  };
  const properties: Array<[string, string | undefined]> = [
    ["executionArn", view.executionArn],
    ["status", view.status],
    ["consoleUrl", view.consoleUrl],
    ["date", view.label],
    ...usageProperties(view.usage),
    ["stuck", view.stuck],
  ];
  const node: XmlNode = {
    [`${ATTR}name`]: view.title,
    ...countAttributes(counts),
    [`${ATTR}time`]: seconds3(view.durationMs),
    [`${ATTR}timestamp`]: junitTimestamp(view.start ?? now),
    properties: {
      property: properties
        .filter((entry): entry is [string, string] => entry[1] !== undefined)
        .map(([name, value]) => ({ [`${ATTR}name`]: name, [`${ATTR}value`]: value })),
    },
    testcase: cases.map((c) => c.node),
    "system-out": suiteOut(view),
  };
  return { node, counts };
}

/** What the execution used, as properties Jenkins shows with the suite (rounded as in the result file). */
function usageProperties(usage: Usage | undefined): Array<[string, string]> {
  if (!usage) return [];
  const rounded = roundedUsage(usage);
  const out: Array<[string, string]> = [["usage.stateTransitions", String(rounded.stateTransitions)]];
  for (const [key, value] of usedTotals(usage)) out.push([`usage.${key}`, String(value)]);
  if (rounded.cost) out.push([`usage.estimatedCost.${rounded.cost.currency}`, String(rounded.cost.total)]);
  return out;
}

type CaseKind = "passed" | "failure" | "error" | "skipped";

function stepCase(step: StepView, view: ExecutionView, classname: string): { kind: CaseKind; node: XmlNode } {
  const node: XmlNode = {
    [`${ATTR}name`]: step.runs > 1 ? `${step.name} (run ${step.run} of ${step.runs})` : step.name,
    [`${ATTR}classname`]: classname,
    [`${ATTR}time`]: seconds3(step.end - step.start),
  };
  let kind: CaseKind = "passed";
  if (step.failing && view.failure) {
    kind = "failure";
    const { failure } = view;
    node.failure = {
      [`${ATTR}message`]: oneLine(
        [failure.error, firstLine(failure.task?.details.find(([label]) => label === "Error message")?.[1])]
          .filter(Boolean)
          .join(": ") || `${step.name} ${step.statusText}`,
      ),
      [`${ATTR}type`]: failure.error ?? "failed",
      "#text": failureText(view),
    };
  } else if (step.interruption) {
    kind = "error";
    node.error = {
      [`${ATTR}message`]: oneLine(step.interruption),
      [`${ATTR}type`]: view.status === "RUNNING" ? "not-finished" : view.status,
      "#text": `${step.name} ran from ${isoSeconds(step.start)} until ${isoSeconds(step.end)}: ${step.interruption}.`,
    };
  } else if (step.status === "failed") {
    // A failed step the failure is not blamed on (a Parallel branch, say): still a failure.
    kind = "failure";
    const last = step.attempts.at(-1);
    node.failure = {
      [`${ATTR}message`]: oneLine(last?.error ?? `${step.name} failed`),
      [`${ATTR}type`]: last?.error ?? "failed",
      "#text": last?.cause ?? "",
    };
  }
  const out = stepOut(step);
  if (out) node["system-out"] = out;
  return { kind, node };
}

function executionCase(view: ExecutionView, classname: string): { kind: CaseKind; node: XmlNode } {
  const node: XmlNode = {
    [`${ATTR}name`]: "(the execution)",
    [`${ATTR}classname`]: classname,
    [`${ATTR}time`]: seconds3(view.durationMs),
  };
  if (view.failure) {
    node.failure = {
      [`${ATTR}message`]: oneLine(view.failure.error ?? view.summary),
      [`${ATTR}type`]: view.failure.error ?? view.status,
      "#text": failureText(view),
    };
    return { kind: "failure", node };
  }
  node.error = {
    [`${ATTR}message`]: oneLine(view.summary),
    [`${ATTR}type`]: view.status,
    "#text": view.summary,
  };
  return { kind: "error", node };
}

function notFollowedCase(classname: string): { kind: CaseKind; node: XmlNode } {
  return {
    kind: "skipped",
    node: {
      [`${ATTR}name`]: "(the execution)",
      [`${ATTR}classname`]: classname,
      [`${ATTR}time`]: "0",
      skipped: {
        [`${ATTR}message`]: "started and not followed (--no-wait): how it ends is not known to this build",
      },
    },
  };
}

/** Error, cause, the failed task and its log tail: what one opens the console for. */
function failureText(view: ExecutionView): string {
  const failure = view.failure;
  if (!failure) return view.summary;
  const lines = [view.summary, "", `Step: ${failure.state}`];
  if (failure.routedTo) lines.push(`Handled by a Catch and routed to: ${failure.routedTo}`);
  if (failure.error) lines.push(`Error: ${failure.error}`);
  if (failure.cause) lines.push("Cause:", failure.cause);
  const task = failure.task;
  if (task) {
    lines.push("", `${task.title}:`);
    for (const [label, value] of task.details) lines.push(`  ${label}: ${value}`);
    for (const link of task.links) lines.push(`  ${link.label}: ${link.url}`);
    for (const warning of task.warnings) lines.push(`  Note: ${warning}`);
    if (task.log) {
      lines.push("", `Last ${task.log.lines.length} log lines (${task.log.source}):`, ...task.log.lines);
    }
  }
  if (view.consoleUrl) lines.push("", `Console: ${view.consoleUrl}`);
  return lines.join("\n");
}

/** Every attempt with its times; the retried ones with their error and cause. */
function stepOut(step: StepView): string {
  const lines = [
    `${step.name} (${step.kind}): ${step.statusText}, ${isoSeconds(step.start)} to ${isoSeconds(step.end)}.`,
  ];
  if (step.attempts.length > 1 || step.attempts.some((attempt) => attempt.task)) {
    for (const attempt of step.attempts) lines.push(attemptLine(attempt));
  }
  for (const attempt of step.attempts.filter((a) => a.retried && a.cause)) {
    lines.push(`Cause of attempt ${attempt.number}:`, attempt.cause ?? "");
  }
  return lines.join("\n");
}

function attemptLine(attempt: AttemptView): string {
  const outcome = attempt.retried ? "failed, retried" : attempt.status;
  const task = attempt.task ? `, ${attempt.task}` : "";
  const error = attempt.error ? `: ${attempt.error}` : "";
  const seconds = ((attempt.end - attempt.start) / 1000).toFixed(1);
  return `  attempt ${attempt.number}: ${isoSeconds(attempt.start)} to ${isoSeconds(attempt.end)} (${seconds}s${task}) ${outcome}${error}`;
}

function suiteOut(view: ExecutionView): string {
  const lines = [view.summary, `Status: ${view.status} (${view.statusText})`];
  if (view.executionArn) lines.push(`Execution: ${view.executionArn}`);
  if (view.consoleUrl) lines.push(`Console: ${view.consoleUrl}`);
  return lines.join("\n");
}

function countAttributes(counts: Counts): XmlNode {
  return {
    [`${ATTR}tests`]: counts.tests,
    [`${ATTR}failures`]: counts.failures,
    [`${ATTR}errors`]: counts.errors,
    [`${ATTR}skipped`]: counts.skipped,
  };
}

function seconds3(ms: number): string {
  return (Math.max(ms, 0) / 1000).toFixed(3);
}

/** The junit plugin reads `timestamp` as ISO 8601 without a zone (local to the build, by convention UTC). */
function junitTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "");
}

function firstLine(text: string | undefined): string | undefined {
  return text?.split("\n")[0];
}

/** Attributes stay on one line (XML parsers turn newlines in attributes into spaces) and short. */
function oneLine(text: string): string {
  // By code point: cutting between the halves of a surrogate pair would leave one XML cannot hold.
  const chars = [...text.replace(/\s+/g, " ").trim()];
  return chars.length > 300 ? `${chars.slice(0, 299).join("")}…` : chars.join("");
}

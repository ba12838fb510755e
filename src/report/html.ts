/**
 * The run as one self-contained HTML page: what ran, how long each step took,
 * which one broke and why, readable by someone who has never seen Step
 * Functions. Inline CSS and SVG only, no script, nothing fetched (a CSP meta
 * tag says so to the browser), so it opens the same from a Jenkins artifact,
 * publishHTML or a mail attachment, with JavaScript off.
 *
 * A hand-written template: the page is a few fixed sections and one chart,
 * and every interpolated value goes through one escape function. A
 * templating library would add a dependency and a second escaping story for
 * no gain; a charting library would need a script or a DOM.
 */

import type { ExecutionReport } from "../execution/model.js";
import type { Secrets } from "../secrets/secrets.js";
import { TASK_KINDS } from "../tasks/registry.js";
import { usageText } from "../usage/usage.js";
import { escapeHtml as esc } from "./escape.js";
import { preflightOf, preflightSection } from "./preflight-report.js";
import {
  clock,
  type ExpectedEndLine,
  SEGMENT_FILL,
  type Segment,
  type SegmentKind,
  type TimelineRow,
  timelineDefs,
  timelineSvg,
  took,
} from "./timeline.js";
import { type ExecutionView, executionViews, type FailureView, isoSeconds, type StepView } from "./view.js";

export interface HtmlOptions {
  secrets: Secrets;
  /** The clock when the page is written: the end of anything still running. */
  now: number;
  title?: string;
  /** false: only the preflight section (`batchinf preflight` started nothing to report). */
  executions?: boolean;
}

export function renderHtml(reports: readonly ExecutionReport[], options: HtmlOptions): string {
  const views = options.executions === false ? [] : executionViews(reports, options);
  const several = views.length > 1;
  const title = options.title ?? defaultTitle(views);
  const body: string[] = [
    timelineDefs(),
    `<header><h1>${esc(title)}</h1>`,
    several ? `<p class="lede">${esc(backfillLede(views))}</p>` : "",
    `<p class="meta">Written by batchinf at ${esc(when(options.now))}. All times are UTC.</p></header>`,
    legend(),
  ];
  const preflight = preflightOf(reports, options.secrets);
  if (preflight) body.push(preflightSection(preflight));
  if (views.length === 0 && !preflight) body.push("<p>No execution to report.</p>");
  else if (!several) body.push(`<section class="execution">${executionBody(view0(views), 2)}</section>`);
  else {
    // A section per date; in a backfill longer than a month only for the dates
    // that did not succeed (the others are a row of the table and of the
    // overview, hover for their times), so the page stays under 1 MB.
    const all = views.length <= MAX_DATES_WITH_SECTIONS;
    const sectioned = (view: ExecutionView) => all || view.tone !== "ok";
    body.push(summaryTable(views, sectioned), overview(views, sectioned));
    const hidden = views.filter((view) => !sectioned(view)).length;
    if (hidden > 0) {
      body.push(
        `<p class="note">${hidden} of ${views.length} dates succeeded; their steps are in the overview above (hover over a bar for its times) and in the JUnit report. The sections below are the other dates.</p>`,
      );
    }
    views.forEach((view, index) => {
      if (sectioned(view)) body.push(collapsible(view, index));
    });
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="batchinf">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body.join("\n")}
</body>
</html>
`;
}

/** A month of dates gets a section each. */
const MAX_DATES_WITH_SECTIONS = 31;

function view0(views: readonly ExecutionView[]): ExecutionView {
  const [view] = views;
  if (!view) throw new Error("renderHtml: no execution report");
  return view;
}

function defaultTitle(views: readonly ExecutionView[]): string {
  if (views.length === 1 && views[0]) return `${views[0].title}: ${views[0].statusText}`;
  return `batchinf backfill: ${views.length} dates`;
}

function backfillLede(views: readonly ExecutionView[]): string {
  const counts = new Map<string, number>();
  for (const view of views) counts.set(view.statusText, (counts.get(view.statusText) ?? 0) + 1);
  const parts = [...counts].map(([text, count]) => `${count} ${text}`);
  return `${views.length} dates: ${parts.join(", ")}.`;
}

function when(ms: number): string {
  return isoSeconds(ms).replace("T", " ").replace("Z", " UTC");
}

const LEGEND: Array<[SegmentKind | "marker" | "none", string]> = [
  ["ok", "succeeded"],
  ["failed", "failed"],
  ["retry", "an attempt that failed and was retried automatically"],
  ["wait", "waiting before the retry"],
  ["caught", "failed, then handled by the pipeline (a Catch)"],
  ["running", "still running when batchinf stopped watching"],
  ["stopped", "stopped (aborted) while running"],
  ["marker", "the step the failure is blamed on"],
  ["none", "never reached: the step did not run"],
];

function legend(): string {
  const items = LEGEND.map(([kind, text]) => {
    let swatch: string;
    if (kind === "marker") swatch = '<b class="x">✖</b>';
    else if (kind === "none") swatch = '<span class="none">—</span>';
    else {
      const height = kind === "wait" ? 2 : 12;
      swatch = `<svg width="28" height="12" aria-hidden="true"><rect y="${(12 - height) / 2}" width="28" height="${height}" fill="${SEGMENT_FILL[kind]}"/></svg>`;
    }
    return `<li>${swatch} ${esc(text)}</li>`;
  });
  return `<section class="legend"><h2>How to read this page</h2>
<p>Each row of a timeline is one step of the pipeline (a state of its AWS Step Functions state machine): ${esc(KIND_EXAMPLES)}, or a step that only passes data on or decides where to go. Its bar runs from the moment the step started to the moment it ended, on the time axis at the top. The status is written next to every bar; hover over a bar or a name for the exact times.</p>
<ul>${items.join("")}</ul></section>`;
}

/** "a Glue job, a Batch job": the kinds of work a step can be, from the registry. */
const KIND_EXAMPLES = TASK_KINDS.map((kind) => `a ${kind.labels.step}`).join(", ");

function summaryTable(views: readonly ExecutionView[], sectioned: (view: ExecutionView) => boolean): string {
  const rows = views.map(
    (view, index) =>
      `<tr><td>${sectioned(view) ? `<a href="#exec-${index}">${esc(view.label ?? view.name)}</a>` : esc(view.label ?? view.name)}</td><td>${esc(view.name)}</td>` +
      `<td><span class="badge t-${view.tone}">${esc(view.statusText)}</span></td><td class="num">${esc(took(view.durationMs))}</td>` +
      `<td>${esc(view.failingStep ?? "")}</td></tr>`,
  );
  return `<section class="summary"><h2>Dates</h2><table><thead><tr><th>Date</th><th>Execution</th><th>Status</th><th>Duration</th><th>Failing step</th></tr></thead>
<tbody>${rows.join("\n")}</tbody></table></section>`;
}

/** One row per date on a shared time axis: when each date ran, and where it broke. */
function overview(views: readonly ExecutionView[], sectioned: (view: ExecutionView) => boolean): string {
  const rows: TimelineRow[] = views.map((view, index) => {
    const row: TimelineRow = {
      name: view.label ?? view.name,
      nameTitle: view.name,
      status: view.failingStep ? `${view.statusText} at ${view.failingStep}` : view.statusText,
      tone: view.tone,
      took: took(view.durationMs),
      // Shorter hover texts than in the date's own chart (no task ids): a long backfill has a bar per step here.
      segments: view.steps.flatMap((step) => stepSegments(step, view, `${view.label ?? view.name} `, false)),
    };
    if (sectioned(view)) row.href = `#exec-${index}`;
    if (view.failingStep) {
      row.marker = { text: `✖ ${view.failingStep}`, tone: "failed" };
      row.highlight = true;
    }
    return row;
  });
  return `<section class="overview"><h2>All dates on one time axis</h2><div class="chart">${timelineSvg(rows, "Timeline of all dates", ["Date", "Status", "Took"])}</div></section>`;
}

function collapsible(view: ExecutionView, index: number): string {
  const open = view.tone === "ok" ? "" : " open";
  return `<details class="execution" id="exec-${index}"${open}><summary><span class="date">${esc(view.label ?? view.name)}</span> <span class="badge t-${view.tone}">${esc(view.statusText)}</span> ${esc(took(view.durationMs))}${view.failingStep ? ` · failed at ${esc(view.failingStep)}` : ""}</summary>
${executionBody(view, 3)}</details>`;
}

function executionBody(view: ExecutionView, level: 2 | 3): string {
  const h = `h${level}`;
  const sub = `h${level + 1}`;
  const facts: Array<[string, string]> = [["Execution", `<code>${esc(view.name)}</code>`]];
  if (view.label) facts.push(["Date", esc(view.label)]);
  facts.push([
    "Status",
    `<span class="badge t-${view.tone}">${esc(view.status)}</span> ${esc(view.statusText)}`,
  ]);
  if (view.start !== undefined) facts.push(["Started", esc(when(view.start))]);
  facts.push([view.tone === "running" ? "Last seen" : "Ended", esc(when(view.end))]);
  facts.push(["Duration", esc(took(view.durationMs))]);
  if (view.expected?.endAt !== undefined && view.expected.medianMs !== undefined) {
    facts.push([
      "Expected end",
      esc(
        `${when(view.expected.endAt)} (median ${took(view.expected.medianMs)} of the last ${view.expected.basedOn} successful runs)`,
      ),
    ]);
  } else if (view.expected?.note) facts.push(["Expected end", esc(`none: ${view.expected.note}`)]);
  if (view.usage) facts.push(["Used", esc(usageText(view.usage))]);
  if (view.stuck) facts.push(["Stuck", esc(view.stuck)]);
  if (view.consoleUrl && /^https:\/\//.test(view.consoleUrl)) {
    facts.push([
      "Console",
      `<a href="${esc(view.consoleUrl)}" rel="noopener noreferrer">Open this execution in the AWS Step Functions console</a>`,
    ]);
  }
  if (view.executionArn) facts.push(["ARN", `<code class="arn">${esc(view.executionArn)}</code>`]);
  const parts = [
    `<${h}>${esc(view.title)}</${h}>`,
    `<p class="outcome t-${view.tone}"><b>${esc(view.statusText.toUpperCase())}</b> ${esc(view.summary)}</p>`,
    `<dl class="facts">${facts.map(([dt, dd]) => `<dt>${esc(dt)}</dt><dd>${dd}</dd>`).join("")}</dl>`,
    `<${sub}>Steps</${sub}>`,
    view.steps.length + view.skipped.length === 0
      ? "<p>No step ran.</p>"
      : `<div class="chart">${timelineSvg(stepRows(view), `Timeline of the steps of ${view.title}`, ["Step", "Status", "Took"], expectedEndLine(view))}</div>`,
  ];
  if (view.failure) {
    parts.push(
      failureSection(view.failure, level + 1, view.tone === "failed" ? "Why it failed" : "Why it ended"),
    );
  }
  return parts.join("\n");
}

function stepRows(view: ExecutionView): TimelineRow[] {
  const rows = view.steps.map((step): TimelineRow => {
    const row: TimelineRow = {
      name: step.runs > 1 ? `${step.name} #${step.run}` : step.name,
      nameTitle: `${step.name} (${step.kind})${step.runs > 1 ? `, run ${step.run} of ${step.runs}` : ""}`,
      status: step.statusText,
      tone: stepTone(step),
      took: took(step.end - step.start),
      segments: stepSegments(step, view, "", true),
    };
    const medianMs = view.expected?.states[step.name];
    if (medianMs !== undefined) {
      row.medianMark = {
        at: step.start + medianMs,
        title: `${step.name}: median ${took(medianMs)} of the last ${view.expected?.basedOn} successful runs`,
      };
    }
    if (step.failing) {
      row.marker = { text: "✖ failed here", tone: "failed" };
      row.highlight = true;
    } else if (step.interruption) {
      row.marker =
        view.tone === "running"
          ? { text: "▶ still running", tone: "running" }
          : { text: "■ stopped here", tone: "aborted" };
    } else if (step.retries > 0) {
      row.marker = {
        text: `↻ retried ${step.retries === 1 ? "once" : `${step.retries} times`}`,
        tone: "running",
      };
    }
    return row;
  });
  for (const state of view.skipped) {
    rows.push({
      name: state,
      nameTitle: state,
      status: view.skippedReason,
      tone: "skipped",
      took: "",
      segments: [],
    });
  }
  return rows;
}

/** The dashed line of the run's expected end (start + the median of the last successful runs). */
function expectedEndLine(view: ExecutionView): ExpectedEndLine | undefined {
  const expected = view.expected;
  if (expected?.endAt === undefined || expected.medianMs === undefined) return undefined;
  return {
    at: expected.endAt,
    title: `expected end ${when(expected.endAt)}: median ${took(expected.medianMs)} of the last ${expected.basedOn} successful runs`,
  };
}

function stepTone(step: StepView): TimelineRow["tone"] {
  if (step.status === "succeeded") return "ok";
  if (step.status === "failed" || step.status === "caught") return "failed";
  return step.status === "running" ? "running" : "aborted";
}

/** The bars of one step: one per attempt, with the wait before each retry. */
function stepSegments(step: StepView, view: ExecutionView, prefix: string, withTask: boolean): Segment[] {
  const name = `${prefix}${step.name}${step.runs > 1 ? ` (run ${step.run} of ${step.runs})` : ""}`;
  const unfinished: SegmentKind =
    view.tone === "running" || step.status === "running" ? "running" : "stopped";
  const finalKind = (status: string): SegmentKind => {
    if (status === "succeeded") return "ok";
    if (status === "failed") return step.status === "caught" ? "caught" : "failed";
    return unfinished;
  };
  if (step.attempts.length === 0) {
    const kind = step.status === "caught" ? "caught" : finalKind(step.status);
    return [
      { start: step.start, end: step.end, kind, title: span(name, step.start, step.end, step.statusText) },
    ];
  }
  const segments: Segment[] = [];
  step.attempts.forEach((attempt, index) => {
    const previous = step.attempts[index - 1];
    if (previous) {
      segments.push({
        start: previous.end,
        end: attempt.start,
        kind: "wait",
        title: span(`${name}: waiting to retry`, previous.end, attempt.start, ""),
      });
    }
    const of = step.attempts.length > 1 ? `, attempt ${attempt.number} of ${step.attempts.length}` : "";
    const outcome = attempt.retried
      ? `failed${attempt.error ? ` (${attempt.error})` : ""}, retried`
      : step.interruption && attempt.status === "running"
        ? step.interruption
        : `${attempt.status}${attempt.error ? ` (${attempt.error})` : ""}`;
    segments.push({
      start: attempt.start,
      end: attempt.end,
      kind: attempt.retried ? "retry" : finalKind(attempt.status),
      title: span(
        `${name}${of}`,
        attempt.start,
        attempt.end,
        `${outcome}${withTask && attempt.task ? `; ${attempt.task}` : ""}`,
      ),
    });
  });
  return segments;
}

function span(what: string, start: number, end: number, outcome: string): string {
  return `${what}: ${clock(start)} to ${clock(end)} UTC (${took(end - start)})${outcome ? `, ${outcome}` : ""}`;
}

function failureSection(failure: FailureView, level: number, heading: string): string {
  const h = `h${level}`;
  const sub = `h${Math.min(level + 1, 6)}`;
  const facts: Array<[string, string]> = [["Step", esc(failure.state)]];
  if (failure.error) facts.push(["Error", `<code>${esc(failure.error)}</code>`]);
  if (failure.routedTo) facts.push(["Handled by", `a Catch that went on to ${esc(failure.routedTo)}`]);
  const parts = [
    `<section class="failure"><${h}>${esc(heading)}</${h}>`,
    `<dl class="facts">${facts.map(([dt, dd]) => `<dt>${esc(dt)}</dt><dd>${dd}</dd>`).join("")}</dl>`,
  ];
  const task = failure.task;
  if (task) {
    const details = task.details.map(([dt, dd]) => `<dt>${esc(dt)}</dt><dd>${esc(dd)}</dd>`).join("");
    parts.push(`<${sub}>${esc(task.title)}</${sub}>`, `<dl class="facts">${details}</dl>`);
    const links = task.links.filter((link) => /^https:\/\//.test(link.url));
    if (links.length > 0) {
      parts.push(
        `<ul>${links.map((link) => `<li><a href="${esc(link.url)}" rel="noopener noreferrer">${esc(link.label)}</a></li>`).join("")}</ul>`,
      );
    }
    if (task.warnings.length > 0)
      parts.push(`<ul class="notes">${task.warnings.map((w) => `<li>${esc(w)}</li>`).join("")}</ul>`);
    if (task.log) {
      parts.push(
        `<${sub}>Last ${task.log.lines.length} log lines</${sub}>`,
        `<p class="src">CloudWatch Logs: <code>${esc(task.log.source)}</code></p>`,
        `<pre class="log">${esc(task.log.lines.join("\n"))}</pre>`,
      );
    }
  }
  if (failure.cause) {
    const lines = failure.cause.split("\n").length;
    const body = `<pre class="cause">${esc(failure.cause)}</pre>`;
    parts.push(
      lines > 12
        ? `<details><summary>Cause, as Step Functions reported it (${lines} lines)</summary>${body}</details>`
        : `<${sub}>Cause</${sub}>${body}`,
    );
  }
  parts.push("</section>");
  return parts.join("\n");
}

const CSS = `
:root{color-scheme:light}
body{font:14px/1.45 system-ui,"DejaVu Sans",Arial,sans-serif;color:#1f2328;margin:0 auto;max-width:1220px;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:16px;margin:20px 0 6px}h4,h5{font-size:14px;margin:16px 0 4px}
.lede{font-size:16px;margin:4px 0}.meta{color:#57606a;margin:0 0 8px}
.legend{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:4px 16px 8px;margin-top:16px}
.legend h2{font-size:15px;margin:8px 0 4px}.legend p{margin:4px 0 8px;max-width:980px}
.legend ul{display:flex;flex-wrap:wrap;gap:6px 22px;list-style:none;margin:0;padding:0}.legend li{display:flex;align-items:center;gap:6px}
.x{color:#b71c1c}.none{color:#757575;display:inline-block;width:28px;text-align:center}
.chart{overflow-x:auto;border:1px solid #d0d7de;border-radius:6px;background:#fff}.chart svg{display:block}
table{border-collapse:collapse;font-size:13px}th,td{border-bottom:1px solid #d0d7de;padding:4px 10px;text-align:left}th{background:#f6f8fa}.num{text-align:right}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;border:1px solid}
.t-ok{color:#1b5e20;border-color:#2e7d32;background:#e8f5e9}.t-failed{color:#b71c1c;border-color:#c62828;background:#fdecea}
.t-running{color:#0d47a1;border-color:#1565c0;background:#e3f2fd}.t-aborted{color:#4e342e;border-color:#6d4c41;background:#efebe9}
.t-unknown{color:#424242;border-color:#757575;background:#f5f5f5}
p.outcome{border:1px solid;border-left-width:6px;border-radius:6px;padding:8px 12px;font-size:15px}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}.facts dt{color:#57606a}.facts dd{margin:0}
code{font:12.5px/1.4 ui-monospace,"DejaVu Sans Mono",monospace}.arn{word-break:break-all}
pre{font:12px/1.45 ui-monospace,"DejaVu Sans Mono",monospace;background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;overflow-x:auto;white-space:pre-wrap;word-break:break-word;max-height:480px;overflow-y:auto}
pre.log{background:#1f2328;color:#e6edf3}
.failure{border-top:2px solid #c62828;margin-top:20px}
details.execution{border:1px solid #d0d7de;border-radius:6px;padding:4px 16px;margin:8px 0}
details.execution>summary{cursor:pointer;font-weight:600;padding:6px 0}.date{font-variant-numeric:tabular-nums}
.src{margin:2px 0;color:#57606a}
`
  .trim()
  .replace(/\n/g, "");

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ExecutionReport } from "../src/execution/model.js";
import { renderHtml } from "../src/report/html.js";
import { Secrets } from "../src/secrets/secrets.js";
import {
  abortReport,
  backfillReports,
  FAILING_STATE,
  failureReport,
  GLUE_ERROR_MESSAGE,
  leakForms,
  longReport,
  PIPELINE_STATES,
  reportWithSecret,
  secretArbitrary,
  successReport,
  T0,
  timeoutReport,
} from "./helpers/reports.js";

const NOW = T0 + 600_000;

function render(reports: readonly ExecutionReport[], secrets = new Secrets()): string {
  return renderHtml(reports, { secrets, now: NOW });
}

/** The text a reader sees, roughly: tags dropped, the entities the renderer writes decoded, spaces collapsed. */
function visibleText(html: string): string {
  return html
    .replace(/<title>[^<]*<\/title>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&amp;", "&")
    .replace(/\s+/g, " ");
}

describe("renderHtml", () => {
  it("is one self-contained page: no script, nothing fetched, a CSP that forbids both", () => {
    for (const reports of [[failureReport()], backfillReports(10)]) {
      const html = render(reports);
      expect(html.startsWith("<!doctype html>")).toBe(true);
      expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
      expect(html).not.toMatch(/<script|<link|<img|<iframe|<object|@import|@font-face|\son[a-z]+=/i);
      // The only URLs are links a person clicks (console, Glue run); no src= at all.
      expect(html).not.toMatch(/\ssrc=/i);
      const urls = [...html.matchAll(/(?:href|xlink:href)="([^"]*)"/g)].map((m) => m[1] ?? "");
      expect(urls.every((url) => url.startsWith("#") || url.startsWith("https://"))).toBe(true);
      expect(html).not.toMatch(/url\((?!#)/);
    }
  });

  it("a failing run: name, status, start, duration, console link, the steps, the failure with cause and log tail", () => {
    const report = failureReport();
    const html = render([report]);
    const text = visibleText(html);
    expect(text).toContain(report.name ?? "");
    expect(text).toContain("FAILED");
    expect(text).toContain("2023-10-14 06:00:00 UTC");
    expect(text).toContain("Duration 8m52s");
    expect(html).toContain(`<a href="${report.consoleUrl?.replaceAll("&", "&amp;")}"`);
    for (const state of PIPELINE_STATES) expect(text).toContain(state);
    expect(text.match(/never reached/g)?.length).toBe(3 + 1 /* the legend */);
    expect(text).toContain("✖ failed here");
    expect(text).toContain("succeeded after 1 retry");
    expect(html).toContain('class="bar-retry"');
    expect(text).toContain("Why it failed");
    expect(text).toContain(`Error message ${GLUE_ERROR_MESSAGE}`);
    expect(text).toContain('"JobName": "DCP-batch-inference-mapping"');
    expect(text).toContain("Last 6 log lines");
    // Hover text with exact times on every bar.
    expect(html).toMatch(
      new RegExp(
        `<title>${FAILING_STATE}: 06:06:20 to 06:08:51 UTC \\(2m31s\\), failed \\(States.TaskFailed\\)`,
      ),
    );
    expect(html).toContain(
      "<title>PrepareFeatures, attempt 1 of 2: 06:01:36 to 06:02:24 UTC (48.0s), failed",
    );
  });

  it("a timeout and an abort: the running step's bar and what happened to it, in words", () => {
    const timeout = visibleText(render([timeoutReport()]));
    expect(timeout).toContain("still running: batchinf timed out waiting");
    expect(timeout).toContain("▶ still running");
    expect(timeout).toContain("not reached yet");
    const abort = render([abortReport()]);
    expect(visibleText(abort)).toContain("aborted: stopped on SIGTERM");
    expect(visibleText(abort)).toContain("■ stopped here");
    expect(abort).toContain('class="bar-stopped"');
    expect(visibleText(abort)).toContain("Why it ended");
  });

  it("a backfill: a summary table, one overview row per date on a shared axis, a section per date", () => {
    const reports = backfillReports(10);
    const html = render(reports);
    const table = html.slice(
      html.indexOf('<section class="summary">'),
      html.indexOf('<section class="overview">'),
    );
    expect(table.match(/<tr><td>/g)?.length).toBe(10);
    expect(table).toContain(
      `<td><a href="#exec-3">2023-10-04</a></td><td>${reports[3]?.name}</td><td><span class="badge t-failed">failed</span></td><td class="num">8m52s</td><td>${FAILING_STATE}</td>`,
    );
    const overview = html.slice(html.indexOf('<section class="overview">'), html.indexOf("<details"));
    expect(overview.match(/<svg class="timeline"/g)?.length).toBe(1);
    for (const report of reports) expect(overview).toContain(`>${report.label}</text>`);
    expect(overview).toContain("✖ MapDefectCodes");
    expect(html.match(/<details class="execution" id="exec-\d+"/g)?.length).toBe(10);
    // Failed dates open, the others folded.
    expect(html).toContain('<details class="execution" id="exec-3" open>');
    expect(html).toContain('<details class="execution" id="exec-0">');
  });

  it("a backfill longer than a month keeps sections for the dates that did not succeed, and every link lands", () => {
    const html = render(backfillReports(40, { failOn: ["2023-10-04", "2023-11-02"] }));
    expect(html.match(/<details class="execution"/g)?.length).toBe(2);
    expect(html).toContain("38 of 40 dates succeeded");
    const ids = new Set([...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]));
    for (const [, target] of html.matchAll(/href="#([^"]+)"/g)) {
      if (target?.startsWith("exec-")) expect(ids.has(target)).toBe(true);
    }
  });

  it("escapes everything: markup in names, errors and logs is shown as text", () => {
    const report = failureReport();
    const attack = `<img src=x onerror="alert(1)"> & </pre><script>alert('x')</script>`;
    report.name = `DCP-${attack}`;
    const first = report.states[0];
    if (first) first.name = attack;
    if (report.failure) report.failure.error = attack;
    report.failure?.task?.log?.lines.push({ timestamp: T0, message: attack });
    const html = render([report]);
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<script");
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &lt;/pre&gt;");
  });

  it("shows control characters escaped", () => {
    const report = failureReport();
    report.failure?.task?.log?.lines.push({ timestamp: T0, message: "a\u0000b\u001b[31mc\uFFFF\uD83D" });
    const html = render([report]);
    expect(html).toContain("a\\u0000b\\u001b[31mc\\uffff\\ud83d");
    expect(html).not.toMatch(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u);
  });

  it("never shows a secret raw, JSON-escaped or URL-encoded", () => {
    fc.assert(
      fc.property(secretArbitrary, (secret) => {
        const secrets = new Secrets();
        secrets.add(secret);
        const html = render([reportWithSecret(secret)], secrets);
        const text = visibleText(html);
        for (const form of leakForms(secret)) {
          expect(html).not.toContain(form);
          expect(text).not.toContain(form);
        }
        expect(text).toContain("****");
      }),
      { numRuns: 60 },
    );
  });

  it("a 1,000-step report stays under 1 MB and renders in well under a second", () => {
    const report = longReport(1_000);
    const started = performance.now();
    const html = render([report]);
    const ms = performance.now() - started;
    expect(Buffer.byteLength(html)).toBeLessThan(1_000_000);
    expect(ms).toBeLessThan(1_000);
    expect(html.match(/<g class="bar-/g)?.length).toBeGreaterThanOrEqual(3);
    // One bar per attempt: 1,000 steps, a few of them retried.
    const bars = html.match(/<rect x="[\d.]+" y="\d+" width="[\d.]+" height="14">/g)?.length ?? 0;
    const attempts = report.states.reduce((sum, run) => sum + run.attempts.length, 0);
    expect(bars).toBe(attempts);
  });

  it("an empty list still gives a page", () => {
    expect(visibleText(render([]))).toContain("No execution to report.");
  });

  it("a succeeded run is written in plain words", () => {
    const text = visibleText(render([successReport()]));
    expect(text).toMatch(/SUCCEEDED Succeeded in \d+m\d\ds\./);
    expect(text).toContain("Glue job");
    expect(text).not.toContain("Why it failed");
  });
});

/**
 * Preflight in the report files: a JUnit testsuite with one testcase per
 * check (failed: failure; not checked: skipped; warning: passed, its message
 * in system-out), and a section of the HTML page with a row per check. The
 * report is masked as a value before anything is rendered.
 */

import type { ExecutionReport } from "../execution/model.js";
import { type CheckResult, countOutcomes, type PreflightReport } from "../execution/preflight.js";
import { ATTR, showForbiddenChars, type XmlNode } from "../io/xml.js";
import type { Secrets } from "../secrets/secrets.js";
import { escapeHtml as esc } from "./escape.js";

/** The one preflight of a command (backfill: the same for every date). */
export function preflightOf(
  reports: readonly ExecutionReport[],
  secrets: Secrets,
): PreflightReport | undefined {
  const found = reports.find((report) => report.preflight)?.preflight;
  return found ? secrets.maskValue(found) : undefined;
}

export function preflightSuite(report: PreflightReport): {
  node: XmlNode;
  counts: { tests: number; failures: number; errors: number; skipped: number };
} {
  const cases = report.checks.map((check) => checkCase(check));
  const counts = {
    tests: cases.length,
    failures: report.checks.filter((c) => c.outcome === "failed").length,
    errors: 0,
    skipped: report.checks.filter((c) => c.outcome === "not-checked").length,
  };
  const node: XmlNode = {
    [`${ATTR}name`]: "preflight",
    [`${ATTR}tests`]: counts.tests,
    [`${ATTR}failures`]: counts.failures,
    [`${ATTR}errors`]: 0,
    [`${ATTR}skipped`]: counts.skipped,
    [`${ATTR}time`]: (report.durationMs / 1000).toFixed(3),
    testcase: cases,
    "system-out": text(summaryLine(report)),
  };
  return { node, counts };
}

function checkCase(check: CheckResult): XmlNode {
  const node: XmlNode = {
    [`${ATTR}name`]: text(`${check.label} ${check.resource}`),
    [`${ATTR}classname`]: `batchinf.preflight.${check.kind}`,
    [`${ATTR}time`]: "0",
  };
  if (check.outcome === "failed") {
    node.failure = {
      [`${ATTR}message`]: text(`${check.message}${check.fix ? `; ${check.fix}` : ""}`),
      "#text": text(describeCheck(check)),
    };
  } else if (check.outcome === "not-checked") {
    node.skipped = { [`${ATTR}message`]: text(check.message) };
  } else if (check.outcome === "warning") {
    node["system-out"] = text(`warning: ${describeCheck(check)}`);
  }
  return node;
}

const text = (value: string) => showForbiddenChars(value);

/** How the log names each outcome. */
export const OUTCOME_WORD: Record<CheckResult["outcome"], string> = {
  ok: "ok",
  failed: "FAILED",
  warning: "warning",
  "not-checked": "not checked",
};

/** `Batch job queue test-training is DISABLED: ...; enable ... (state RunBatch JobQueue, input aws_batch_job_queue)` */
export function describeCheck(check: CheckResult): string {
  const fix = check.fix && check.outcome !== "ok" ? `; ${check.fix}` : "";
  const from = check.sources.length > 0 ? ` (${check.sources.join(", ")})` : "";
  // A verdict reads on from the resource ("exists", "is DISABLED"); a reason it was not checked is set apart.
  const sep = check.outcome === "not-checked" ? ": " : " ";
  return `${check.label} ${check.resource}${sep}${check.message}${fix}${from}`;
}

export function summaryLine(report: PreflightReport): string {
  const counts = countOutcomes(report.checks);
  const seconds = (report.durationMs / 1000).toFixed(1);
  return `preflight: ${report.checks.length} checks, ${counts.ok} ok, ${counts.failed} failed, ${counts.warning} ${counts.warning === 1 ? "warning" : "warnings"}, ${counts["not-checked"]} not checked in ${seconds}s (${report.calls} AWS calls)`;
}

const BADGE: Record<CheckResult["outcome"], [tone: string, word: string]> = {
  ok: ["t-ok", "ok"],
  failed: ["t-failed", "failed"],
  warning: ["t-aborted", "warning"],
  "not-checked": ["t-unknown", "not checked"],
};

/** The HTML page's preflight section: the summary, then a row per check, failed ones first. */
export function preflightSection(report: PreflightReport): string {
  const order: CheckResult["outcome"][] = ["failed", "warning", "not-checked", "ok"];
  const rows = [...report.checks]
    .sort((a, b) => order.indexOf(a.outcome) - order.indexOf(b.outcome))
    .map((check) => {
      const [tone, word] = BADGE[check.outcome];
      return `<tr><td><span class="badge ${tone}">${esc(word)}</span></td><td>${esc(check.label)}</td><td><code class="arn">${esc(text(check.resource))}</code></td><td>${esc(text(check.message))}${check.fix && check.outcome !== "ok" ? `<br><em>${esc(text(check.fix))}</em>` : ""}</td><td>${esc(text(check.sources.join(", ")))}</td></tr>`;
    })
    .join("");
  const lacking =
    report.missingPermissions.length > 0
      ? `<p class="note">batchinf may not look at everything: add ${esc(report.missingPermissions.join(", "))} to the role Jenkins runs as.</p>`
      : "";
  return `<section class="preflight"><h2>Preflight</h2><p>${esc(summaryLine(report))}</p>${lacking}<table><thead><tr><th>outcome</th><th>kind</th><th>resource</th><th>what was found</th><th>named by</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

/**
 * Preflight in the build log: one line per check (failed and warning ones at
 * their level), then one summary line, and one line naming the permissions
 * batchinf's own credentials lack, if any. In --log-format json each line
 * carries the check as fields.
 */

import type { Logger } from "../io/log.js";
import { type CheckResult, countOutcomes, KIND_LABEL, type PreflightReport } from "./model.js";

const WORD: Record<CheckResult["outcome"], string> = {
  ok: "ok",
  failed: "FAILED",
  warning: "warning",
  "not-checked": "not checked",
};

/** `Batch job queue test-training is DISABLED: ...; enable ... (state RunBatch JobQueue, input aws_batch_job_queue)` */
export function describeCheck(check: CheckResult): string {
  const fix = check.fix && check.outcome !== "ok" ? `; ${check.fix}` : "";
  const from = check.sources.length > 0 ? ` (${check.sources.join(", ")})` : "";
  return `${KIND_LABEL[check.kind]} ${check.resource} ${check.message}${fix}${from}`;
}

export function logPreflight(report: PreflightReport, log: Logger): void {
  for (const check of report.checks) {
    const text = `preflight ${WORD[check.outcome].padEnd(11)} ${describeCheck(check)}`;
    const fields = { event: "preflight-check", ...check };
    if (check.outcome === "failed") log.error(text, fields);
    else if (check.outcome === "warning") log.warn(text, fields);
    else log.info(text, fields);
  }
  log.info(summaryLine(report), {
    event: "preflight-summary",
    ...countOutcomes(report.checks),
    calls: report.calls,
    durationMs: report.durationMs,
  });
  if (report.missingPermissions.length > 0) {
    const n = report.checks.filter((c) => c.lacks).length;
    log.warn(
      `preflight could not look at ${n} ${n === 1 ? "resource" : "resources"}: add ${report.missingPermissions.join(", ")} to the role Jenkins runs as.`,
      { event: "preflight-permissions", missing: report.missingPermissions },
    );
  }
}

export function summaryLine(report: PreflightReport): string {
  const counts = countOutcomes(report.checks);
  const seconds = (report.durationMs / 1000).toFixed(1);
  return `preflight: ${report.checks.length} checks, ${counts.ok} ok, ${counts.failed} failed, ${counts.warning} ${counts.warning === 1 ? "warning" : "warnings"}, ${counts["not-checked"]} not checked in ${seconds}s (${report.calls} AWS calls)`;
}

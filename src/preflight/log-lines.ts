/**
 * Preflight in the build log: one line per check (failed and warning ones at
 * their level), then one summary line, and one line naming the permissions
 * batchinf's own credentials lack, if any. In --log-format json each line
 * carries the check as fields.
 */

import { countOutcomes, type PreflightReport } from "../execution/preflight.js";
import type { Logger } from "../io/log.js";
import { describeCheck, OUTCOME_WORD, summaryLine } from "../report/preflight-report.js";

export function logPreflight(report: PreflightReport, log: Logger): void {
  for (const check of report.checks) {
    const text = `preflight ${OUTCOME_WORD[check.outcome].padEnd(11)} ${describeCheck(check)}`;
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

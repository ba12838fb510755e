/**
 * Preflight as run and backfill use it, before their first StartExecution:
 * `off` calls nothing; otherwise every check runs once and is logged; a
 * failed check under `strict` stops the command before anything starts
 * (exit 3, each failed resource with what is wrong and what to do); under
 * `warn` the command starts anyway and the report keeps what was found.
 */

import { EnvironmentError } from "../errors.js";
import type { PreflightMode, PreflightReport } from "../execution/preflight.js";
import type { Logger } from "../io/log.js";
import { describeCheck } from "../report/preflight-report.js";
import { logPreflight } from "./log-lines.js";

export class PreflightFailed extends EnvironmentError {}

export async function preflightGate(
  mode: PreflightMode,
  check: () => Promise<PreflightReport>,
  log: Logger,
  /** Told the report before a failure is thrown, so the reports still hold it. */
  onReport: (report: PreflightReport) => void = () => undefined,
): Promise<PreflightReport | undefined> {
  if (mode === "off") return undefined;
  const report = await check();
  onReport(report);
  logPreflight(report, log);
  const failed = report.checks.filter((c) => c.outcome === "failed");
  if (failed.length === 0) return report;
  if (mode === "warn") {
    log.warn(
      `preflight: ${failed.length} ${failed.length === 1 ? "check" : "checks"} failed; starting anyway (--preflight warn).`,
    );
    return report;
  }
  throw preflightFailure(report);
}

/** The exit message: what failed and what to do, each on its own line; nothing was started. */
export function preflightFailure(report: PreflightReport): PreflightFailed {
  const failed = report.checks.filter((c) => c.outcome === "failed");
  const error = new PreflightFailed(
    `Preflight: ${failed.length} ${failed.length === 1 ? "check" : "checks"} failed; nothing was started. Fix ${failed.length === 1 ? "it" : "them"}, or pass --preflight warn to start anyway.`,
    { details: failed.map(describeCheck) },
  );
  return error;
}

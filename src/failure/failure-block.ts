import type { TaskFailure } from "../execution/model.js";

/**
 * The lines the build log shows after the failing state's error and cause:
 * which run or job, its status and why, the console links, then the log tail,
 * each line with its ISO timestamp, then any warning about the log. Plain
 * text: the reporter masks secrets and escapes control characters in every
 * line (a log line may hold a newline or an escape sequence), so nothing here
 * relies on them; indentation is spaces only.
 */
export function failureBlockLines(failure: TaskFailure): string[] {
  const lines = failure.kind === "glue" ? glueLines(failure) : batchLines(failure);
  for (const link of failure.links) lines.push(`  ${link.label}: ${link.url}`);
  if (failure.log) {
    const { group, stream, lines: logLines } = failure.log;
    if (logLines.length === 0) {
      lines.push(`  log ${group} ${stream}: no lines`);
    } else {
      lines.push(
        `  last ${logLines.length} log ${logLines.length === 1 ? "line" : "lines"} of ${group} ${stream}:`,
      );
      for (const line of logLines) lines.push(`    ${isoTime(line.timestamp)} ${line.message}`);
    }
  }
  for (const warning of failure.warnings) lines.push(`  warning: ${warning}`);
  return lines;
}

function glueLines(failure: TaskFailure): string[] {
  const lines = [
    `Glue job ${failure.jobName ?? "?"}, run ${failure.id ?? "?"}${failure.status ? `: ${failure.status}` : ""}`,
  ];
  if (failure.errorMessage) lines.push(`  error message: ${failure.errorMessage}`);
  return lines;
}

function batchLines(failure: TaskFailure): string[] {
  const lines = [
    `Batch job ${failure.jobName ?? "?"}, id ${failure.id ?? "?"}${failure.status ? `: ${failure.status}` : ""}`,
  ];
  if (failure.statusReason) lines.push(`  status reason: ${failure.statusReason}`);
  const container = [
    ...(failure.exitCode !== undefined ? [`exit code ${failure.exitCode}`] : []),
    ...(failure.containerReason ? [`container reason: ${failure.containerReason}`] : []),
  ];
  if (container.length) lines.push(`  last attempt: ${container.join(", ")}`);
  return lines;
}

function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

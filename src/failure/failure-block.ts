import type { TaskFailure } from "../execution/model.js";
import { kindById } from "../tasks/registry.js";

/**
 * The lines the build log shows after the failing state's error and cause:
 * which run or job, its status and why, the console links, then the log tail,
 * each line with its ISO timestamp, then any warning about the log. Plain
 * text: the reporter masks secrets and escapes control characters in every
 * line (a log line may hold a newline or an escape sequence), so nothing here
 * relies on them; indentation is spaces only.
 */
export function failureBlockLines(failure: TaskFailure): string[] {
  const kind = kindById(failure.kind);
  // A kind this build does not know (a result file from another version): its id and the task's id.
  const lines = kind ? kind.failureLines(failure) : [`${failure.kind} task ${failure.id ?? "?"}`];
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

function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

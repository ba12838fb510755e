import { formatDuration } from "../duration.js";
import type { ExecutionReport } from "../execution/model.js";

/** One row of the closing table, as data (the JSON log gets these fields). */
export interface SummaryRow {
  date: string;
  execution: string;
  status: string;
  duration: string;
  /** --history: the run's median over the last successful runs, to set the duration against. */
  median: string;
  failingState: string;
  /** What this run found or did besides following a fresh start. */
  note: string;
}

export function summaryRows(reports: readonly ExecutionReport[]): SummaryRow[] {
  return reports.map((report) => ({
    date: report.label ?? "?",
    execution: report.name ?? "-",
    status: report.status,
    duration:
      report.startedAt !== undefined && report.stoppedAt !== undefined
        ? formatDuration(report.stoppedAt - report.startedAt)
        : "-",
    median:
      report.expected?.medianMs !== undefined && report.expected.note === undefined
        ? formatDuration(report.expected.medianMs)
        : "-",
    failingState: report.failure?.state ?? "-",
    note: noteOf(report),
  }));
}

/** The closing table: date, execution, status, duration, failing state, and what a rerun found. */
export function summaryTable(rows: readonly SummaryRow[]): string[] {
  const header: SummaryRow = {
    date: "date",
    execution: "execution",
    status: "status",
    duration: "duration",
    median: "median",
    failingState: "failing state",
    note: "note",
  };
  const columns = ["date", "execution", "status", "duration", "median", "failingState", "note"] as const;
  const all = [header, ...rows];
  const widths = columns.map((column) => Math.max(...all.map((row) => row[column].length)));
  return all.map((row) =>
    columns
      .map((column, i) =>
        column === "duration" || column === "median"
          ? row[column].padStart(widths[i] ?? 0)
          : row[column].padEnd(widths[i] ?? 0),
      )
      .join("  ")
      .trimEnd(),
  );
}

function noteOf(report: ExecutionReport): string {
  const { outcome } = report;
  switch (outcome.kind) {
    case "not-started":
      return `not started (--${outcome.because})`;
    case "interrupted":
      if (!outcome.started) return `not started (${outcome.signal})`;
      if (outcome.action === "detach") return `detached (${outcome.signal}), still running`;
      return outcome.stopped ? `stopped (${outcome.signal})` : `stop not confirmed (${outcome.signal})`;
    case "timeout":
      return outcome.stopped ? "--timeout, stopped" : "--timeout, still running";
    case "error":
      return "error (see above)";
    case "dry-run":
      return "dry run";
    default:
      break;
  }
  switch (report.start) {
    case "attached":
      return "attached (was running)";
    case "redriven":
      return "redriven (--redrive)";
    case "found-ended":
      return report.status === "SUCCEEDED"
        ? "already succeeded, not started again"
        : "already ended, not started again";
    default:
      return "";
  }
}

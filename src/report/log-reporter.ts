import { formatDuration } from "../duration.js";
import type { ExecutionEvent, ExecutionReport, Reporter, StateRun } from "../execution/model.js";
import { explainCause } from "../failure/cause.js";
import type { Logger } from "../io/log.js";
import { taskWords } from "../tasks/registry.js";
import { roundedUsage, usageText } from "../usage/usage.js";

/**
 * The build log: one line per event, as a person watching the console would
 * narrate it, each prefixed with its execution's label when several share
 * the log (`[2023-10-03] RunGlueJob2 succeeded in 4m12s`). In JSON mode every
 * line is one record whose fields carry the event's data.
 */
export class LogReporter implements Reporter {
  /** Start time per label, for the `+mm:ss` elapsed column. */
  private readonly startedAt = new Map<string, number>();

  constructor(
    private readonly log: Logger,
    private readonly options: { describeFailure?: (report: ExecutionReport) => string[] } = {},
  ) {}

  onEvent(event: ExecutionEvent, label: string | undefined): void {
    const key = label ?? "";
    const prefix = label === undefined ? "" : `[${label}] `;
    const fields = (extra: Record<string, unknown> = {}) => ({
      event: event.type,
      ...(label === undefined ? {} : { execution: label }),
      ...extra,
    });
    const info = (text: string, extra?: Record<string, unknown>) =>
      this.log.info(prefix + text, fields(extra));
    const warn = (text: string, extra?: Record<string, unknown>) =>
      this.log.warn(prefix + text, fields(extra));
    const error = (text: string, extra?: Record<string, unknown>) =>
      this.log.error(prefix + text, fields(extra));
    const detail = (lines: readonly string[]) => {
      if (this.log.json) return;
      for (const line of lines) this.log.info(`${prefix}  ${line}`);
    };
    const stamp = (at: number) => `${elapsed(at - (this.startedAt.get(key) ?? at))}  `;
    const stateFields = (run: StateRun) => ({ state: run.name, enteredAt: iso(run.enteredAt) });

    switch (event.type) {
      case "starting": {
        const qualifier = event.version
          ? `version ${event.version}`
          : event.alias
            ? `alias ${event.alias}`
            : undefined;
        if (!qualifier) {
          this.log.debug(`${prefix}execution ${event.name} of ${event.stateMachineArn}`, fields());
          return;
        }
        // A qualified machine is worth a line: which version runs is the first question after a failure.
        const machine = event.stateMachineArn.replace(/:[^:]+$/, "");
        info(`Starting execution ${event.name} of ${qualifier} of ${machine}`, {
          version: event.version,
          alias: event.alias,
        });
        return;
      }
      case "start-sending":
        this.log.debug(`${prefix}StartExecution ${event.executionArn}`, fields());
        return;
      case "dry-run":
        info(`Dry run: would start ${event.stateMachineArn} as ${event.name}; nothing was started.`);
        return;
      case "started":
      case "redriven":
      case "attached": {
        this.startedAt.set(key, event.startedAt);
        const verb =
          event.type === "started"
            ? "Started execution"
            : event.type === "redriven"
              ? "Redriving execution (--redrive)"
              : `Attached to execution (${event.status ?? "RUNNING"}, started ${iso(event.startedAt)})`;
        info(`${verb} ${event.executionArn}`, { executionArn: event.executionArn });
        if (event.consoleUrl) info(`console: ${event.consoleUrl}`, { consoleUrl: event.consoleUrl });
        return;
      }
      case "found-ended": {
        const text = `Execution ${event.name} already ended ${event.status} with this input`;
        if (event.status === "SUCCEEDED") info(`${text}; nothing to do.`, { status: event.status });
        else error(`${text}; ${event.hint ?? "start it under a new name"}.`, { status: event.status });
        if (event.consoleUrl) info(`console: ${event.consoleUrl}`, { consoleUrl: event.consoleUrl });
        return;
      }
      case "state-entered":
        info(
          `${stamp(event.at)}${event.run.name} entered${event.run.kind === "Task" ? "" : ` (${event.run.kind} state)`}`,
          stateFields(event.run),
        );
        return;
      case "task-submitted": {
        const { what, name } = taskWords(event.task);
        info(
          `${stamp(event.at)}${event.run.name} submitted ${what} ${event.task.id ?? "?"}${name ? ` (${name})` : ""}`,
          {
            ...stateFields(event.run),
            task: event.task,
          },
        );
        return;
      }
      case "attempt-failed": {
        const summary = event.attempt.cause
          ? ` (${causeSummary(event.attempt.cause, (text) => this.log.redact(text))})`
          : "";
        info(
          `${stamp(event.at)}${event.run.name} attempt ${event.attempt.number} failed: ${event.attempt.error ?? "no error given"}${summary}`,
          {
            ...stateFields(event.run),
            attempt: event.attempt.number,
            error: event.attempt.error,
          },
        );
        return;
      }
      case "state-retried":
        info(`${stamp(event.at)}${event.run.name} retrying (attempt ${event.attempt.number})`, {
          ...stateFields(event.run),
          attempt: event.attempt.number,
        });
        return;
      case "state-succeeded": {
        const attempts = event.run.attempts.length > 1 ? ` (${event.run.attempts.length} attempts)` : "";
        const median = event.medianMs === undefined ? "" : ` (median ${formatDuration(event.medianMs)})`;
        info(
          `${stamp(event.at)}${event.run.name} succeeded in ${formatDuration(durationOf(event.run))}${attempts}${median}`,
          {
            ...stateFields(event.run),
            durationMs: durationOf(event.run),
            ...(event.medianMs === undefined ? {} : { medianMs: event.medianMs }),
          },
        );
        return;
      }
      case "state-failed":
        info(`${stamp(event.at)}${stateFailedText(event)}`, {
          ...stateFields(event.run),
          durationMs: durationOf(event.run),
          caught: event.caught,
        });
        return;
      case "execution-redriven":
        info(`${stamp(event.at)}execution redriven; following its new run`);
        return;
      case "poll-retry":
        warn(`polling failed (${event.error}); trying again in ${formatDuration(event.retryInMs)}`, {
          operation: event.operation,
          error: event.error,
          throttled: event.throttled,
        });
        return;
      case "timeout":
        warn(
          event.stopping
            ? `--timeout ${formatDuration(event.limitMs)} reached; stopping the execution (--stop-on-timeout).`
            : `--timeout ${formatDuration(event.limitMs)} reached; the execution keeps running (pass --stop-on-timeout to stop it).`,
        );
        return;
      case "interrupted":
        if (!event.started) warn(`${event.signal} received before the start; nothing was started.`);
        else if (event.action === "detach")
          warn(`${event.signal} received; detaching (--on-abort detach): the execution keeps running.`);
        else warn(`${event.signal} received; stopping the execution (--on-abort stop).`);
        return;
      case "stop-sent":
        this.log.debug(`${prefix}StopExecution (${event.reason})`, fields());
        return;
      case "stop-result":
        if (event.confirmed) info(`execution ${event.status ?? "stopped"}`, { status: event.status });
        else warn(`${event.error ?? "the stop could not be confirmed"}; check the execution in the console.`);
        return;
      case "failure":
        // Shown with the ending, which knows the status; the JSON log gets it as data now.
        if (this.log.json) error(`failure at state ${event.failure.state}`, { failure: event.failure });
        return;
      case "task-log":
        for (const line of event.lines) {
          info(`[${event.state}] ${iso(line.timestamp)} ${line.message}`, {
            state: event.state,
            timestamp: iso(line.timestamp),
          });
        }
        return;
      case "notice":
        this.log[event.level](prefix + event.message, fields());
        return;
      case "ended":
        this.ended(event.report, info, error, detail);
        return;
    }
  }

  private ended(
    report: ExecutionReport,
    info: (text: string, extra?: Record<string, unknown>) => void,
    error: (text: string, extra?: Record<string, unknown>) => void,
    detail: (lines: readonly string[]) => void,
  ): void {
    const outcome = report.outcome;
    const console = () => {
      if (report.consoleUrl) info(`console: ${report.consoleUrl}`);
    };
    switch (outcome.kind) {
      case "dry-run":
      case "error":
        return;
      case "started":
        info("--no-wait: not following the execution.");
        return;
      case "timeout":
        error(
          outcome.stopped
            ? `Stopped waiting after --timeout and stopped the execution (${report.status}).`
            : "Stopped waiting after --timeout; the execution is still running.",
        );
        console();
        return;
      case "interrupted":
        return;
      case "ended": {
        if (outcome.foundEnded && outcome.status === "SUCCEEDED") return;
        if (!outcome.foundEnded) this.summarizeStates(report, info);
        if (report.usage && !outcome.foundEnded) {
          info(`Used: ${usageText(report.usage)}`, { usage: roundedUsage(report.usage) });
        }
        if (outcome.status === "SUCCEEDED") {
          info(`Execution SUCCEEDED${durationText(report)}`, {
            status: report.status,
            durationMs: duration(report),
          });
          console();
          return;
        }
        const failure = report.failure;
        error(
          `Execution ${outcome.status} at state ${failure?.state ?? "?"}${failure?.routedTo ? ` (caught, then ${failure.routedTo})` : ""}: ${failure?.error ?? report.error ?? (outcome.status === "TIMED_OUT" ? "States.Timeout" : "no error given")}`,
          { status: report.status, failure },
        );
        detail(explainCause(failure?.cause ?? report.cause));
        if (this.options.describeFailure) detail(this.options.describeFailure(report));
        console();
        return;
      }
    }
  }

  private summarizeStates(report: ExecutionReport, info: (text: string) => void): void {
    if (report.states.length === 0 || this.log.json) return;
    const width = Math.max(...report.states.map((state) => state.name.length));
    info("States:");
    for (const state of report.states) {
      const time = state.exitedAt === undefined ? "" : formatDuration(durationOf(state));
      const attempts = state.attempts.length > 1 ? `  (${state.attempts.length} attempts)` : "";
      info(`  ${state.name.padEnd(width)}  ${state.status.padEnd(9)}  ${time.padStart(8)}${attempts}`);
    }
  }
}

/**
 * What happened to a state that did not succeed, in words a newcomer reads
 * right after "X attempt 1 failed" ("X ended unfinished" left them asking
 * whether it would be retried).
 */
function stateFailedText(event: Extract<ExecutionEvent, { type: "state-failed" }>): string {
  const { run } = event;
  const after = formatDuration(durationOf(run));
  if (event.caught) return `${run.name} failed after ${after}; a Catch moved on to the next state`;
  const ended = event.executionStatus
    ? `the execution ended ${event.executionStatus}`
    : "the execution ended";
  if (event.attemptFailed) {
    const attempt = run.attempts.length > 1 ? `attempt ${run.attempts.length}` : "its attempt";
    return `${run.name} failed after ${after}: ${attempt} failed and no retry followed (${ended})`;
  }
  return `${run.name} stopped after ${after} without finishing: ${ended} while it ran`;
}

function durationOf(run: StateRun): number {
  return (run.exitedAt ?? run.enteredAt) - run.enteredAt;
}

function duration(report: ExecutionReport): number | undefined {
  return report.startedAt !== undefined && report.stoppedAt !== undefined
    ? report.stoppedAt - report.startedAt
    : undefined;
}

function durationText(report: ExecutionReport): string {
  const ms = duration(report);
  return ms === undefined ? "" : ` in ${formatDuration(ms)}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The headline of a cause a task kind knows, else the cause itself, on one line; masked before it is cut. */
function causeSummary(cause: string, mask: (text: string) => string): string {
  const lines = explainCause(cause);
  const at = lines.indexOf("cause:");
  const headline = at > 0 ? lines.slice(0, at) : [];
  const flat = mask(
    (headline.length > 0 ? headline.map((line) => line.trim()).join(": ") : cause).replace(/\s+/g, " "),
  );
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat;
}

/** "+1:02:03" style, fixed width for the common case so columns line up. */
export function elapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mmss = `${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
  return h > 0 ? `+${h}:${mmss}` : `+${mmss}`;
}

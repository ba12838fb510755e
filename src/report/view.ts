/**
 * What both reports (JUnit, HTML) show, derived once from the execution
 * reports: plain words for statuses and step kinds, durations, the failing
 * step, what a timeout or an abort meant for the step that was running. The
 * renderers only lay it out.
 *
 * This is also the reports' secrets boundary: the reports are masked before
 * anything is derived from them, and every string of the finished view is
 * masked again after forbidden characters are shown escaped (a JSON cause
 * parsed for pretty-printing could unescape a secret the raw text hid).
 */

import { formatDuration } from "../duration.js";
import type {
  Attempt,
  ExecutionReport,
  Expected,
  Outcome,
  StateRun,
  TaskFailure,
} from "../execution/model.js";
import { showForbiddenChars } from "../io/xml.js";
import type { Secrets } from "../secrets/secrets.js";
import { kindById, kindOfResource, taskWords } from "../tasks/registry.js";
import type { TaskRef } from "../tasks/types.js";
import type { Usage } from "../usage/usage.js";

export type StepStatus = "succeeded" | "failed" | "caught" | "running" | "stopped";

export interface AttemptView {
  number: number;
  start: number;
  end: number;
  /** `failed` and followed by another attempt: a Retry ran the step again. */
  retried: boolean;
  status: Attempt["status"];
  error?: string;
  cause?: string;
  /** "Glue job run jr_123 (DCP-feature-prep)". */
  task?: string;
}

export interface StepView {
  name: string;
  /** "Glue job", "Batch job", "Choice", ... */
  kind: string;
  /** 1-based; a step inside a Map (or run again) has several runs. */
  run: number;
  runs: number;
  start: number;
  /** exitedAt, or the report's end while it was still running. */
  end: number;
  status: StepStatus;
  /** In words, with the retries: "succeeded after 1 retry". */
  statusText: string;
  attempts: AttemptView[];
  retries: number;
  /** The step the failure is blamed on. */
  failing: boolean;
  /** Why a running step stopped being followed (timeout, abort): a sentence. */
  interruption?: string;
}

export interface TaskFailureView {
  title: string;
  details: Array<[label: string, value: string]>;
  links: Array<{ label: string; url: string }>;
  log?: { source: string; lines: string[] };
  warnings: string[];
}

export interface FailureView {
  state: string;
  error?: string;
  /** Pretty-printed when the cause is JSON. */
  cause?: string;
  routedTo?: string;
  task?: TaskFailureView;
}

export interface ExecutionView {
  label?: string;
  name: string;
  /** "2023-10-03 DCP-20231003-..." in a backfill, the name otherwise. */
  title: string;
  executionArn?: string;
  status: string;
  /** Plain words: "succeeded", "failed", "still running (batchinf stopped waiting)". */
  statusText: string;
  /** ok | failed | running | aborted | unknown: the colour class; always shown with statusText. */
  tone: "ok" | "failed" | "running" | "aborted" | "unknown";
  start?: number;
  end: number;
  durationMs: number;
  consoleUrl?: string;
  /** What happened, in one sentence. */
  summary: string;
  steps: StepView[];
  /** Top-level steps of the definition that never ran. */
  skipped: string[];
  skippedReason: string;
  failure?: FailureView;
  /** The failing step's name, when there is one. */
  failingStep?: string;
  usage?: Usage;
  /** --history: the last successful runs' medians and the expected end. */
  expected?: Expected;
  /** --stuck-after: the warning about a task waiting for capacity (and whether it stopped the run). */
  stuck?: string;
}

export interface ViewOptions {
  secrets: Secrets;
  /** The clock when the report is written: the end of anything still running. */
  now: number;
}

export function executionViews(reports: readonly ExecutionReport[], options: ViewOptions): ExecutionView[] {
  const { secrets } = options;
  const views = secrets.maskValue(reports).map((report) => executionView(report, options.now));
  return mapStrings(views, (text) => secrets.maskText(showForbiddenChars(text)));
}

function executionView(report: ExecutionReport, now: number): ExecutionView {
  const end = report.stoppedAt ?? now;
  const start = report.startedAt ?? firstStart(report.states);
  const durationMs = start === undefined ? 0 : Math.max(end - start, 0);
  const name = report.name ?? report.executionArn?.split(":").pop() ?? "(not started)";
  const interruption = interruptionText(report.outcome, report.status, durationMs);
  const failingRun = failingRunOf(report);
  const counts = new Map<string, number>();
  for (const run of report.states) counts.set(run.name, (counts.get(run.name) ?? 0) + 1);
  const seen = new Map<string, number>();
  const steps = report.states.map((run) => {
    const index = (seen.get(run.name) ?? 0) + 1;
    seen.set(run.name, index);
    return stepView(run, {
      end,
      run: index,
      runs: counts.get(run.name) ?? 1,
      failing: run === failingRun,
      interruption,
    });
  });
  const ran = new Set(report.states.map((run) => run.name));
  const skipped = (report.definitionStates ?? []).filter((state) => !ran.has(state));
  const { statusText, tone } = statusWords(report);
  const view: ExecutionView = {
    name,
    title: report.label ? `${report.label} ${name}` : name,
    status: report.status,
    statusText,
    tone,
    end,
    durationMs,
    summary: summaryText(report, durationMs, failingRun?.name),
    steps,
    skipped,
    skippedReason: stillGoing(report) ? "not reached yet" : "never reached",
  };
  if (report.label !== undefined) view.label = report.label;
  if (report.executionArn !== undefined) view.executionArn = report.executionArn;
  if (start !== undefined) view.start = start;
  if (report.consoleUrl !== undefined) view.consoleUrl = report.consoleUrl;
  const failure = failureView(report);
  if (failure) view.failure = failure;
  if (failingRun) view.failingStep = failingRun.name;
  if (report.usage) view.usage = report.usage;
  if (report.expected) view.expected = report.expected;
  if (report.stuck)
    view.stuck = `${report.stuck.message}${report.stuck.stopped ? " The execution was stopped (--on-stuck stop)." : ""}`;
  return view;
}

function firstStart(states: readonly StateRun[]): number | undefined {
  return states.length === 0 ? undefined : Math.min(...states.map((run) => run.enteredAt));
}

/** The last run of the failure's state: the one the execution ended in or a Catch left. */
function failingRunOf(report: ExecutionReport): StateRun | undefined {
  const state = report.failure?.state;
  if (state === undefined) return undefined;
  const runs = report.states.filter((run) => run.name === state);
  return runs.findLast((run) => run.status === "failed" || run.status === "caught") ?? runs.at(-1);
}

/** The execution may still be running: batchinf stopped watching without stopping it. */
function stillGoing(report: ExecutionReport): boolean {
  const { outcome } = report;
  if (outcome.kind === "timeout" || outcome.kind === "interrupted") return !outcome.stopped;
  return outcome.kind === "started" || report.status === "RUNNING";
}

function statusWords(report: ExecutionReport): Pick<ExecutionView, "statusText" | "tone"> {
  const { outcome } = report;
  if (outcome.kind === "dry-run") return { statusText: "dry run, nothing started", tone: "unknown" };
  if (outcome.kind === "not-started")
    return { statusText: `not started (--${outcome.because})`, tone: "unknown" };
  if (outcome.kind === "timeout") {
    return outcome.stopped
      ? { statusText: "aborted: batchinf timed out waiting and stopped it", tone: "aborted" }
      : { statusText: "still running: batchinf timed out waiting", tone: "running" };
  }
  if (outcome.kind === "interrupted") {
    if (!outcome.started) return { statusText: "not started: interrupted before the start", tone: "aborted" };
    return outcome.stopped
      ? { statusText: `aborted: stopped on ${outcome.signal}`, tone: "aborted" }
      : { statusText: `still running: batchinf was interrupted (${outcome.signal})`, tone: "running" };
  }
  switch (report.status) {
    case "SUCCEEDED":
      return { statusText: "succeeded", tone: "ok" };
    case "FAILED":
      return { statusText: "failed", tone: "failed" };
    case "TIMED_OUT":
      return { statusText: "timed out (the state machine's own time limit)", tone: "failed" };
    case "ABORTED":
      return { statusText: "aborted (stopped)", tone: "aborted" };
    case "RUNNING":
      return { statusText: "still running", tone: "running" };
    default:
      return { statusText: report.status.toLowerCase().replaceAll("_", " "), tone: "unknown" };
  }
}

/** For a step still running when following ended: why its end is not a real end. */
function interruptionText(outcome: Outcome, status: string, durationMs: number): string | undefined {
  const after = formatDuration(durationMs);
  if (outcome.kind === "timeout") {
    return outcome.stopped
      ? `batchinf stopped waiting at --timeout after ${after} while this step was running, and stopped the execution`
      : `batchinf stopped waiting at --timeout after ${after} while this step was running; the execution keeps running`;
  }
  if (outcome.kind === "interrupted") {
    const what = `batchinf was interrupted (${outcome.signal}) after ${after} while this step was running`;
    if (outcome.stopped) return `${what}, and stopped the execution (aborted)`;
    return outcome.action === "detach"
      ? `${what}; it detached and the execution keeps running`
      : `${what}; the stop it sent was not confirmed`;
  }
  if (status === "ABORTED") return "the execution was stopped (aborted) while this step was running";
  if (status === "TIMED_OUT")
    return "the execution hit the state machine's time limit while this step was running";
  if (status === "FAILED") return "the execution failed while this step was running";
  if (outcome.kind === "error")
    return `batchinf ended with an error while this step was running: ${errorText(outcome.error)}`;
  return undefined;
}

function summaryText(report: ExecutionReport, durationMs: number, failingStep: string | undefined): string {
  const { outcome } = report;
  const after = formatDuration(durationMs);
  const running = report.states.findLast((run) => run.status === "running")?.name;
  const inStep = running ? ` while ${running} was running` : "";
  switch (outcome.kind) {
    case "dry-run":
      return "Dry run: the input was composed and checked; nothing was started.";
    case "started":
      return "Started and not followed (--no-wait).";
    case "not-started":
      return outcome.because === "timeout"
        ? "Not started: --timeout ran out before its turn came."
        : "Not started: an earlier date failed (--fail-fast).";
    case "error":
      return `batchinf ended with an error after ${after}: ${errorText(outcome.error)}`;
    case "timeout":
      return outcome.stopped
        ? `batchinf stopped waiting at --timeout after ${after}${inStep} and stopped the execution.`
        : `batchinf stopped waiting at --timeout after ${after}${inStep}; the execution keeps running.`;
    case "interrupted":
      if (!outcome.started) return `Interrupted (${outcome.signal}) before the execution started.`;
      if (outcome.stopped)
        return `Interrupted (${outcome.signal}) after ${after}${inStep}; the execution was stopped.`;
      return outcome.action === "detach"
        ? `Interrupted (${outcome.signal}) after ${after}${inStep}; detached, the execution keeps running.`
        : `Interrupted (${outcome.signal}) after ${after}${inStep}; the stop was sent but not confirmed.`;
    case "ended": {
      const found = outcome.foundEnded ? " (found already ended under this name; not started again)" : "";
      if (outcome.status === "SUCCEEDED") return `Succeeded in ${after}${found}.`;
      if (outcome.status === "FAILED") {
        const where = failingStep ? `: step ${failingStep} failed` : "";
        const error = report.failure?.error ?? report.error;
        return `Failed after ${after}${where}${error ? ` (${error})` : ""}${found}.`;
      }
      if (outcome.status === "TIMED_OUT")
        return `Timed out after ${after}${inStep}: the state machine's own time limit${found}.`;
      return `Stopped (aborted) after ${after}${inStep}${found}.`;
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function stepView(
  run: StateRun,
  context: { end: number; run: number; runs: number; failing: boolean; interruption: string | undefined },
): StepView {
  const end = run.exitedAt ?? context.end;
  const attempts = run.attempts.map((attempt, index) =>
    attemptView(attempt, index < run.attempts.length - 1, end),
  );
  const retries = attempts.filter((attempt) => attempt.retried).length;
  const stillRunning = run.status === "running";
  const status: StepStatus = stillRunning && context.interruption !== undefined ? "stopped" : run.status;
  const view: StepView = {
    name: run.name,
    kind: stepKind(run),
    run: context.run,
    runs: context.runs,
    start: run.enteredAt,
    end: Math.max(end, run.enteredAt),
    status,
    statusText: stepStatusText(run.status, retries, stillRunning && context.interruption !== undefined),
    attempts,
    retries,
    failing: context.failing,
  };
  if (stillRunning && context.interruption) view.interruption = context.interruption;
  return view;
}

function attemptView(attempt: Attempt, followed: boolean, stepEnd: number): AttemptView {
  const view: AttemptView = {
    number: attempt.number,
    start: attempt.startedAt,
    end: Math.max(attempt.endedAt ?? stepEnd, attempt.startedAt),
    retried: followed && attempt.status === "failed",
    status: attempt.status,
  };
  if (attempt.error !== undefined) view.error = attempt.error;
  if (attempt.cause !== undefined) view.cause = prettyCause(attempt.cause);
  if (attempt.task) view.task = taskText(attempt.task);
  return view;
}

/** "Glue job run jr_123 (DCP-feature-prep)". */
function taskText(task: TaskRef): string {
  const { what, name } = taskWords(task);
  return `${what}${task.id ? ` ${task.id}` : ""}${name ? ` (${name})` : ""}`;
}

function stepStatusText(status: StateRun["status"], retries: number, interrupted: boolean): string {
  const words: Record<StateRun["status"], string> = {
    succeeded: "succeeded",
    failed: "failed",
    caught: "failed, handled by a Catch",
    running: interrupted ? "was running" : "running",
  };
  if (retries === 0) return words[status];
  const times = retries === 1 ? "1 retry" : `${retries} retries`;
  return status === "running" ? `${words[status]} (after ${times})` : `${words[status]} after ${times}`;
}

/** The kind of work a step did, in words someone who never saw Step Functions knows. */
function stepKind(run: StateRun): string {
  const known = kindOfResource(run.resource);
  if (known) return known.labels.step;
  const resource = run.resource ?? "";
  if (resource.includes(":states:startExecution")) return "child workflow";
  if (resource.includes(":ecs:")) return "ECS task";
  const kinds: Record<string, string> = {
    Task: "task",
    Pass: "pass-through",
    Map: "loop over items (Map)",
    Parallel: "parallel branches",
    Choice: "decision (Choice)",
    Wait: "wait",
    Succeed: "end: success",
    Fail: "end: failure",
  };
  return kinds[run.kind] ?? run.kind;
}

function failureView(report: ExecutionReport): FailureView | undefined {
  const failure = report.failure;
  if (!failure) {
    if (report.error === undefined && report.cause === undefined) return undefined;
    const view: FailureView = { state: "(the execution)" };
    if (report.error !== undefined) view.error = report.error;
    if (report.cause !== undefined) view.cause = prettyCause(report.cause);
    return view;
  }
  const view: FailureView = { state: failure.state };
  const error = failure.error ?? report.error;
  const cause = failure.cause ?? report.cause;
  if (error !== undefined) view.error = error;
  if (cause !== undefined) view.cause = prettyCause(cause);
  if (failure.routedTo !== undefined) view.routedTo = failure.routedTo;
  if (failure.task) view.task = taskFailureView(failure.task);
  return view;
}

function taskFailureView(task: TaskFailure): TaskFailureView {
  const details: Array<[string, string]> = [];
  const add = (label: string, value: string | number | undefined) => {
    if (value !== undefined && value !== "") details.push([label, String(value)]);
  };
  const kind = kindById(task.kind);
  for (const [label, value] of kind?.failureDetails(task) ?? [["Id", task.id]]) add(label, value);
  const view: TaskFailureView = {
    title: kind?.labels.failureTitle ?? `The failed ${task.kind} task`,
    details,
    links: task.links,
    warnings: task.warnings,
  };
  if (task.log) {
    view.log = {
      source: `${task.log.group} ${task.log.stream}`,
      lines: task.log.lines.map((line) => `${isoSeconds(line.timestamp)} ${line.message.replace(/\n$/, "")}`),
    };
  }
  return view;
}

/** Causes are often JSON (the job object a `.sync` task last saw): indented, they can be read. */
export function prettyCause(cause: string): string {
  const trimmed = cause.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return cause;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return cause;
  }
}

/** 2023-10-14T06:00:00Z: to the second, as a person compares it with a log. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A deep copy with `map` applied to every string (object keys stay: the view's keys are its own). */
function mapStrings<T>(value: T, map: (text: string) => string): T {
  const walk = (item: unknown): unknown => {
    if (typeof item === "string") return map(item);
    if (item === null || typeof item !== "object") return item;
    if (Array.isArray(item)) return item.map(walk);
    return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, walk(inner)]));
  };
  return walk(value) as T;
}

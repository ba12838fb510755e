import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { classifyAwsError, isRetryableLater } from "../aws/errors.js";
import { loadLogs } from "../aws/load-logs.js";
import type { Attempt, Emit, LogSource } from "../execution/model.js";
import type { Locator, TaskClients } from "../tasks/kind.js";
import { kindById } from "../tasks/registry.js";

export interface LogFollowerOptions extends TaskClients {
  /** The client, or how to get it (the SDK is loaded on first use). */
  logs: CloudWatchLogsClient | (() => Promise<CloudWatchLogsClient>);
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  emit: Emit;
  /** One budget for every followed task: at most one CloudWatch Logs call per this many ms. Default 1000. */
  minCallIntervalMs?: number;
  /** A stream at its end (or not there yet) is asked again after this long. Default 5000. */
  idleMs?: number;
  /**
   * At most one call to another service (a kind's locator: Batch DescribeJobs)
   * per this many ms, for all tasks: a budget apart from the logs one. Default 1000.
   */
  minBatchCallIntervalMs?: number;
  /** A task whose log is not located yet (a Batch job that does not run yet) is asked again after this long. Default 5000. */
  jobPollMs?: number;
}

/** One stream of a followed task, read forward from its head. */
interface StreamUnit {
  type: "stream";
  source: LogSource;
  token?: string;
  found: boolean;
  /** Not asked again before this time. */
  notBefore: number;
  /** The task ended: read to the end (or try once, if never found), then drop. */
  last: boolean;
}

/** A task whose streams are known only by asking (a kind's locator). */
interface LocateUnit {
  type: "locate";
  locator: Locator;
  notBefore: number;
  last: boolean;
}

type Unit = StreamUnit | LocateUnit;

interface Followed {
  state: string;
  units: Unit[];
  /** stopFollowing was called: each unit gets one last read, then the task is dropped. */
  ending: boolean;
  /** finishBy: dropped at this time (the clock's) whatever is left to read. */
  deadline?: number;
  warned: boolean;
}

/** Returned by `follow` when the task cannot be followed yet (the history has not named its work). */
export const FOLLOW_LATER = false;

/**
 * `--follow-logs`: copies the new lines of running tasks into the build log
 * as `task-log` events, within one budget of CloudWatch Logs calls for all of
 * them (default one a second), on an injected clock.
 *
 * Where a task logs is its kind's answer (src/tasks/, `follow`): streams to
 * copy (a Glue run's `/error`, `/output` and continuous-logging streams, all
 * of them), or a locator to ask until it names them (a Batch job's stream is
 * known to DescribeJobs alone, within a budget of its own), or why it cannot
 * be followed. Each stream is read forward with GetLogEvents' forward token
 * (`startFromHead`): the same token back means the end for now, so the stream
 * rests for `idleMs`; a different token, even with an empty page, means more
 * may follow, so it is asked again on the next free call. Calls go to the
 * stream (or locator) that has waited longest among those due.
 *
 * Use: `follow` when a task is submitted, `stopFollowing` when it ends (each
 * stream is then read to its end once more, so no last line is lost), and
 * `run(signal)` (or `tick(signal)` for one budgeted call) alongside the poll
 * loop; `drained(prefix)` resolves once the tasks whose keys start with
 * `prefix` have had their last reads.
 */
export class LogFollower {
  private readonly tasks = new Map<string, Followed>();
  private nextCallAt = Number.NEGATIVE_INFINITY;
  private nextServiceCallAt = Number.NEGATIVE_INFINITY;
  private client: CloudWatchLogsClient | undefined;
  private readonly interval: number;
  private readonly idle: number;
  private readonly serviceInterval: number;
  private readonly locatePoll: number;
  private readonly waiters: Array<{ prefix: string; resolve: () => void }> = [];
  /** CloudWatch Logs calls made, for the report. */
  calls = 0;
  /** Calls to other services made to locate a log (Batch DescribeJobs). */
  batchCalls = 0;

  constructor(private readonly options: LogFollowerOptions) {
    this.interval = options.minCallIntervalMs ?? 1000;
    this.idle = options.idleMs ?? 5000;
    this.serviceInterval = options.minBatchCallIntervalMs ?? 1000;
    this.locatePoll = options.jobPollMs ?? 5000;
  }

  /**
   * Start following a task attempt's log (a retry's new attempt replaces the
   * old one), or the one stream `source` names. Returns why it cannot be
   * followed, undefined when it is, or FOLLOW_LATER when its work is not
   * named yet (call again on a later poll).
   */
  follow(state: string, attempt: Attempt, source?: LogSource): string | undefined | typeof FOLLOW_LATER {
    let units: Unit[];
    if (source) {
      units = [this.streamUnit(source)];
    } else {
      const kind = kindById(attempt.task?.kind);
      if (!kind) return `the log of ${state} cannot be followed: its task is of no kind batchinf knows`;
      const plan = kind.follow(state, attempt, this.options);
      if ("later" in plan) return FOLLOW_LATER;
      if ("unavailable" in plan) return plan.unavailable;
      units =
        "streams" in plan
          ? plan.streams.map((stream) => this.streamUnit(stream))
          : [{ type: "locate", locator: plan.locate, notBefore: Number.NEGATIVE_INFINITY, last: false }];
    }
    this.tasks.set(state, { state, units, ending: false, warned: false });
    return undefined;
  }

  /**
   * The task ended: every stream it was read from is read to its end once
   * more (within the budget); if none was found yet, each is tried once (a
   * task that ran between two looks); a locator is asked once more. Then it is
   * dropped. `lastRead: false` drops it at once.
   */
  stopFollowing(state: string, options: { lastRead?: boolean } = {}): void {
    const task = this.tasks.get(state);
    if (!task) return;
    if (options.lastRead === false) {
      this.drop(task);
      return;
    }
    task.ending = true;
    const foundAny = task.units.some((unit) => unit.type === "stream" && unit.found);
    // A stream never found while streams beside it were is one this task does not write (Glue without continuous logging).
    task.units = task.units.filter((unit) => unit.type === "locate" || unit.found || !foundAny);
    for (const unit of task.units) {
      unit.last = true;
      unit.notBefore = Number.NEGATIVE_INFINITY;
    }
    if (task.units.length === 0) this.drop(task);
  }

  get following(): string[] {
    return [...this.tasks.keys()];
  }

  /**
   * The last reads of the tasks whose keys start with `prefix` (stopFollowing
   * each), done by `deadline` on the clock: what is not read by then is
   * dropped. Resolves once they are gone.
   */
  finishBy(prefix: string, deadline: number): Promise<void> {
    for (const key of this.following) {
      if (!key.startsWith(prefix)) continue;
      this.stopFollowing(key);
      const task = this.tasks.get(key);
      if (task) task.deadline = deadline;
    }
    return this.drained(prefix);
  }

  /** Drop, now, every task whose key starts with `prefix`. */
  dropAll(prefix: string): void {
    for (const task of [...this.tasks.values()]) if (task.state.startsWith(prefix)) this.drop(task);
  }

  /** Resolves once no followed task's key starts with `prefix`. */
  drained(prefix: string): Promise<void> {
    if (!this.following.some((key) => key.startsWith(prefix))) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ prefix, resolve }));
  }

  /** Until aborted: one budgeted call after another; with nothing to follow, it waits a budget interval. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const called = await this.tick(signal);
      if (!called && !signal.aborted) await this.options.sleep(this.interval, signal).catch(() => undefined);
    }
  }

  /**
   * One budgeted round: wait for the budget and for the next due unit, then
   * make one call for it: GetLogEvents, emitting its new lines, or one call of
   * a kind's locator. Returns false when nothing is followed (no call made).
   */
  async tick(signal: AbortSignal): Promise<boolean> {
    this.expire();
    const next = this.nextDue();
    if (!next) return false;
    const { task, unit } = next;
    const due = this.dueAt(unit);
    const wait = Math.min(due, task.deadline ?? due) - this.options.now();
    if (wait > 0) await this.options.sleep(wait, signal);
    if (this.expire() || signal.aborted || this.tasks.get(task.state) !== task || !task.units.includes(unit))
      return true;
    if (unit.type === "locate") {
      if (unit.locator.budget === "logs") this.nextCallAt = this.options.now() + this.interval;
      else this.nextServiceCallAt = this.options.now() + this.serviceInterval;
      await this.locate(task, unit, signal);
    } else {
      this.nextCallAt = this.options.now() + this.interval;
      await this.read(task, unit, signal);
    }
    this.settle();
    return true;
  }

  /** Drop the tasks whose finishBy deadline has passed; true when one was. */
  private expire(): boolean {
    const now = this.options.now();
    let expired = false;
    for (const task of [...this.tasks.values()]) {
      if (task.deadline !== undefined && now >= task.deadline) {
        this.drop(task);
        expired = true;
      }
    }
    return expired;
  }

  private streamUnit(source: LogSource): StreamUnit {
    return { type: "stream", source, found: false, notBefore: Number.NEGATIVE_INFINITY, last: false };
  }

  /** The earliest time the unit's next call may go out: its own rest and its budget's spacing. */
  private dueAt(unit: Unit): number {
    const budget =
      unit.type === "locate" && unit.locator.budget === "service" ? this.nextServiceCallAt : this.nextCallAt;
    return Math.max(unit.notBefore, budget);
  }

  /** The unit that can be called first; among equals, the one that has waited longest. */
  private nextDue(): { task: Followed; unit: Unit } | undefined {
    let best: { task: Followed; unit: Unit } | undefined;
    let bestAt = Number.POSITIVE_INFINITY;
    for (const task of this.tasks.values()) {
      for (const unit of task.units) {
        const at = this.dueAt(unit);
        if (!best || at < bestAt || (at === bestAt && unit.notBefore < best.unit.notBefore)) {
          best = { task, unit };
          bestAt = at;
        }
      }
    }
    return best;
  }

  private async logsClient(): Promise<CloudWatchLogsClient> {
    this.client ??= typeof this.options.logs === "function" ? await this.options.logs() : this.options.logs;
    return this.client;
  }

  /** One call of the task's locator: once it names streams, they are read like any other. */
  private async locate(task: Followed, unit: LocateUnit, signal: AbortSignal): Promise<void> {
    if (unit.locator.budget === "logs") this.calls += 1;
    else this.batchCalls += 1;
    try {
      const located = await unit.locator.locate({
        api: await loadLogs(),
        logs: await this.logsClient(),
        clients: this.options,
        ending: unit.last,
        signal,
      });
      // A retry's new attempt took its place while we asked: leave that one alone.
      if (this.tasks.get(task.state) !== task) return;
      if ("streams" in located) {
        const streams = located.streams.map((source) => ({ ...this.streamUnit(source), last: unit.last }));
        this.replace(task, unit, streams);
        for (const stream of streams) stream.notBefore = this.options.now();
        return;
      }
      if ("never" in located) {
        if (located.reason) this.notice("info", `--follow-logs: ${located.reason}`);
        this.replace(task, unit, []);
        return;
      }
      if (unit.last) this.replace(task, unit, []);
      else unit.notBefore = this.options.now() + this.locatePoll;
    } catch (error) {
      this.locateFailed(task, unit, error);
    }
  }

  private locateFailed(task: Followed, unit: LocateUnit, error: unknown): void {
    if (this.tasks.get(task.state) !== task) return;
    const { locator } = unit;
    const name = error instanceof Error ? error.name : "";
    const message = error instanceof Error ? error.message : String(error);
    const kind = classifyAwsError(error);
    if (kind === "aborted") {
      this.drop(task);
      return;
    }
    if (kind === "access") {
      this.drop(task);
      this.notice(
        "warn",
        `--follow-logs: ${locator.permission} is denied, so the log stream of ${locator.what} is not known; not following ${task.state}`,
      );
      return;
    }
    if (!isRetryableLater(error)) {
      // A refusal that asking again will not change (ClientException, a bad id): say it once and stop asking.
      this.drop(task);
      this.notice(
        "warn",
        `--follow-logs: ${locator.service} cannot say where ${task.state} logs (${name || "Error"}: ${message}); not following it`,
      );
      return;
    }
    if (!task.warned) {
      task.warned = true;
      this.notice(
        "warn",
        `--follow-logs: asking ${locator.service} for the log stream of ${task.state} failed (${name || "Error"}: ${message}); will retry`,
      );
    }
    unit.notBefore = this.options.now() + this.locatePoll;
    if (unit.last) this.replace(task, unit, []);
  }

  private async read(task: Followed, unit: StreamUnit, signal: AbortSignal): Promise<void> {
    const { source } = unit;
    const api = await loadLogs();
    const client = await this.logsClient();
    this.calls += 1;
    try {
      const page = await api.getLogEventsPage(
        client,
        {
          group: source.group,
          stream: source.stream,
          fromHead: true,
          ...(unit.token ? { token: unit.token } : {}),
          ...(!unit.token && source.window ? { startTime: source.window.start } : {}),
        },
        signal,
      );
      unit.found = true;
      const marker = source.window?.endMarker;
      const endAt = marker ? page.lines.findIndex((line) => line.message.startsWith(marker)) : -1;
      const lines = endAt >= 0 ? page.lines.slice(0, endAt + 1) : page.lines;
      if (lines.length > 0) {
        this.options.emit({ type: "task-log", at: this.options.now(), state: task.state, lines });
      }
      if (endAt >= 0) {
        // This task's part of the stream is over: what follows belongs to another.
        this.replace(task, unit, []);
        return;
      }
      const atEnd = !page.forwardToken || page.forwardToken === unit.token;
      if (page.forwardToken) unit.token = page.forwardToken;
      if (unit.last && atEnd) {
        this.replace(task, unit, []);
        return;
      }
      unit.notBefore = atEnd ? this.options.now() + this.idle : this.options.now();
    } catch (error) {
      this.readFailed(task, unit, error);
    }
  }

  private readFailed(task: Followed, unit: StreamUnit, error: unknown): void {
    const name = error instanceof Error ? error.name : "";
    // Cut short because following stopped (the task or the execution ended): nothing went wrong.
    if (name === "AbortError" || classifyAwsError(error) === "aborted") {
      this.drop(task);
      return;
    }
    if (name === "ResourceNotFoundException" && !unit.found) {
      // Not written yet (the job is starting) or written elsewhere: try again later.
      unit.notBefore = this.options.now() + this.idle;
      if (unit.last) this.replace(task, unit, []);
      return;
    }
    if (name === "AccessDeniedException") {
      this.drop(task);
      this.notice(
        "warn",
        `--follow-logs: logs:GetLogEvents is denied on log group ${unit.source.group}; not following ${task.state}`,
      );
      return;
    }
    // Throttling or a 5xx that outlasted the SDK's retries: say it once per task, keep following, later.
    if (!task.warned) {
      task.warned = true;
      const message = error instanceof Error ? error.message : String(error);
      this.notice(
        "warn",
        `--follow-logs: reading the log of ${task.state} failed (${name || "Error"}: ${message}); will retry`,
      );
    }
    unit.notBefore = this.options.now() + this.idle;
    if (unit.last) this.replace(task, unit, []);
  }

  /** Put `by` in the place of `unit`; a task left with nothing to read is dropped. */
  private replace(task: Followed, unit: Unit, by: Unit[]): void {
    const at = task.units.indexOf(unit);
    if (at >= 0) task.units.splice(at, 1, ...by);
    if (task.units.length === 0) this.drop(task);
  }

  private drop(task: Followed): void {
    if (this.tasks.get(task.state) === task) this.tasks.delete(task.state);
    this.settle();
  }

  /** Resolve the `drained` waiters whose tasks are all gone. */
  private settle(): void {
    for (let i = this.waiters.length - 1; i >= 0; i -= 1) {
      const waiter = this.waiters[i] as { prefix: string; resolve: () => void };
      if (this.following.some((key) => key.startsWith(waiter.prefix))) continue;
      this.waiters.splice(i, 1);
      waiter.resolve();
    }
  }

  private notice(level: "info" | "warn", message: string): void {
    this.options.emit({ type: "notice", at: this.options.now(), level, message });
  }
}

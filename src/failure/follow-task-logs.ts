import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { Emit, ExecutionEvent, StateRun } from "../execution/model.js";
import type { TaskClients } from "../tasks/kind.js";
import { FOLLOW_LATER, LogFollower } from "./log-follower.js";

/** Between an execution's label and a state name in the follower's keys: no state name holds it. */
const SEPARATOR = "\u0000";
/** A key as a notice's text quotes it: the label, the separator, then the state. */
const KEY_IN_TEXT = new RegExp(`(\\S*)${SEPARATOR}`, "g");

/**
 * `--follow-logs` for every execution of a command: one LogFollower, so one
 * budget of one CloudWatch Logs call a second in all (and one of a call a
 * second to the other services that locate a task's stream), however many executions
 * a backfill follows at once. Its task keys carry the execution's label, and
 * each copied line goes out through that execution's emitter.
 */
export class SharedLogFollowing {
  private readonly follower: LogFollower;
  private loop?: AbortController;
  private running?: Promise<void>;
  private readonly emitters = new Map<string, Emit>();
  private users = 0;

  /** `clients`: those task kinds locate streams with (TaskClients); a kind that needs one it lacks is not followed. */
  constructor(
    private readonly deps: {
      logs: () => Promise<CloudWatchLogsClient>;
      clients?: TaskClients;
      now: () => number;
      sleep: (ms: number, signal: AbortSignal) => Promise<void>;
      /** For notices that belong to no execution. */
      emit: Emit;
    },
  ) {
    this.follower = new LogFollower({
      ...deps.clients,
      logs: deps.logs,
      now: deps.now,
      sleep: (ms, signal) => deps.sleep(ms, signal ?? this.loop?.signal ?? new AbortController().signal),
      emit: (event) => this.route(event),
    });
  }

  /** One execution's share: its label and emitter. */
  forExecution(label: string | undefined, emit: Emit): TaskLogFollowing {
    const prefix = `${label ?? ""}${SEPARATOR}`;
    this.emitters.set(prefix, emit);
    this.users += 1;
    return new TaskLogFollowing(this, prefix, emit, () => this.release());
  }

  /** @internal */
  now(): number {
    return this.deps.now();
  }

  /** @internal */
  get inner(): LogFollower {
    return this.follower;
  }

  /** @internal: start copying in the background once there is something to copy. */
  ensureRunning(): void {
    if (this.running || this.follower.following.length === 0) return;
    this.loop = new AbortController();
    this.running = this.follower.run(this.loop.signal).catch(() => undefined);
  }

  private async release(): Promise<void> {
    this.users -= 1;
    if (this.users > 0) return;
    this.loop?.abort();
    await this.running;
    this.running = undefined;
  }

  private route(event: ExecutionEvent): void {
    if (event.type !== "task-log") {
      // A notice names a task by its key: show the label as the log's prefix does.
      const message =
        event.type === "notice"
          ? event.message.replace(KEY_IN_TEXT, (_, label: string) => (label ? `[${label}] ` : ""))
          : undefined;
      this.deps.emit(message !== undefined && event.type === "notice" ? { ...event, message } : event);
      return;
    }
    const at = event.state.indexOf(SEPARATOR);
    const emit = this.emitters.get(event.state.slice(0, at + 1)) ?? this.deps.emit;
    emit({ ...event, state: event.state.slice(at + 1) });
  }
}

/** At the execution's end, the last reads of its tasks' streams may take this long at most (on the injected clock). */
const LAST_READS_LIMIT_MS = 30_000;

/**
 * One execution's part of --follow-logs: on every poll, its task attempts
 * that are running are followed, and those that ended are read to the end
 * once more and dropped; an attempt that started and ended between two polls
 * is still read once. At the execution's end every one of its tasks gets that
 * last read before following stops.
 */
export class TaskLogFollowing {
  /** `state#attempt` keys followed (or seen ended before following began), and states already told why they cannot be. */
  private readonly followed = new Set<string>();
  private readonly explained = new Set<string>();
  /** When following began: an attempt that ended before (attached by `wait`) is not copied. */
  private readonly since: number;

  constructor(
    private readonly shared: SharedLogFollowing,
    private readonly prefix: string,
    private readonly emit: Emit,
    private readonly done: () => Promise<void>,
  ) {
    this.since = shared.now();
  }

  /** Bring the followed tasks in line with the execution's state runs (all of them, ended ones too). */
  async onPoll(runs: readonly StateRun[], now: number): Promise<void> {
    const follower = this.shared.inner;
    const open = new Set<string>();
    const ended: string[] = [];
    for (const run of runs) {
      const attempt = run.attempts[run.attempts.length - 1];
      if (!attempt?.task) continue;
      const key = this.prefix + run.name;
      const id = `${key}#${attempt.number}`;
      const running = attempt.status === "running" && run.status === "running";
      // Attached to an execution under way: what ended before following began is not copied.
      if (!running && (attempt.endedAt ?? run.exitedAt ?? 0) < this.since) this.followed.add(id);
      if (running) open.add(key);
      if (this.followed.has(id)) continue;
      const why = follower.follow(key, attempt);
      if (why === FOLLOW_LATER) continue;
      this.followed.add(id);
      if (!running) ended.push(key);
      if (why && !this.explained.has(run.name)) {
        this.explained.add(run.name);
        this.emit({
          type: "notice",
          at: now,
          level: "info",
          message: `--follow-logs: ${why.replace(key, run.name)}`,
        });
      }
    }
    for (const key of follower.following) {
      if (key.startsWith(this.prefix) && (!open.has(key) || ended.includes(key))) follower.stopFollowing(key);
    }
    this.shared.ensureRunning();
  }

  /**
   * Following ended. When the execution ended (`ended`), its tasks (those
   * seen in `runs` too, if they ran between two polls) are read to the end
   * once more, within the budget and at most LAST_READS_LIMIT_MS on the
   * clock, unless `signal` (the interrupt) cuts it short; after a timeout, an
   * interrupt or an error nothing more is read (the wait is bounded). Then
   * copying stops (the shared loop stops with the last execution).
   */
  async finish(runs: readonly StateRun[] = [], signal?: AbortSignal, ended = true): Promise<void> {
    const follower = this.shared.inner;
    if (ended && !signal?.aborted) {
      await this.onPoll(runs, this.shared.now());
      // An interrupt cuts the last reads short: the abort budget is for stopping, not for copying logs.
      const stop = () => follower.dropAll(this.prefix);
      signal?.addEventListener("abort", stop, { once: true });
      const drained = follower.finishBy(this.prefix, this.shared.now() + LAST_READS_LIMIT_MS);
      this.shared.ensureRunning();
      await drained;
      signal?.removeEventListener("abort", stop);
    }
    follower.dropAll(this.prefix);
    await this.done();
  }
}

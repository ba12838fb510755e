import type { BatchClient } from "@aws-sdk/client-batch";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { Emit, ExecutionEvent, StateRun } from "../execution/model.js";
import { LogFollower } from "./log-follower.js";

/** Between an execution's label and a state name in the follower's keys: no state name holds it. */
const SEPARATOR = "\u0000";
/** A key as a notice's text quotes it: the label, the separator, then the state. */
const KEY_IN_TEXT = new RegExp(`(\\S*)${SEPARATOR}`, "g");

/**
 * `--follow-logs` for every execution of a command: one LogFollower, so one
 * budget of one CloudWatch Logs call a second in all (and one of a
 * DescribeJobs a second for Batch jobs' streams), however many executions
 * a backfill follows at once. Its task keys carry the execution's label, and
 * each copied line goes out through that execution's emitter.
 */
export class SharedLogFollowing {
  private readonly follower: LogFollower;
  private loop?: AbortController;
  private running?: Promise<void>;
  private readonly emitters = new Map<string, Emit>();
  private users = 0;

  constructor(
    private readonly deps: {
      logs: () => Promise<CloudWatchLogsClient>;
      /** For a running Batch job's stream (DescribeJobs); without it Batch tasks are not followed. */
      batch?: () => Promise<BatchClient>;
      now: () => number;
      sleep: (ms: number, signal: AbortSignal) => Promise<void>;
      /** For notices that belong to no execution. */
      emit: Emit;
    },
  ) {
    this.follower = new LogFollower({
      logs: deps.logs,
      ...(deps.batch ? { batch: deps.batch } : {}),
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

/**
 * One execution's part of --follow-logs: on every poll, its Glue and Batch
 * task attempts that are running are followed and those that ended are read
 * once more and dropped.
 */
export class TaskLogFollowing {
  /** `state#attempt` keys followed, and states already told why they cannot be. */
  private readonly followed = new Set<string>();
  private readonly explained = new Set<string>();

  constructor(
    private readonly shared: SharedLogFollowing,
    private readonly prefix: string,
    private readonly emit: Emit,
    private readonly done: () => Promise<void>,
  ) {}

  /** Bring the followed tasks in line with the running state runs. */
  async onPoll(running: readonly StateRun[], now: number): Promise<void> {
    const follower = this.shared.inner;
    const open = new Set<string>();
    for (const run of running) {
      const attempt = run.attempts[run.attempts.length - 1];
      if (!attempt?.task?.id || attempt.status !== "running") continue;
      const key = this.prefix + run.name;
      open.add(key);
      if (this.followed.has(`${key}#${attempt.number}`)) continue;
      this.followed.add(`${key}#${attempt.number}`);
      const why = follower.follow(key, attempt);
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
      if (key.startsWith(this.prefix) && !open.has(key)) follower.stopFollowing(key);
    }
    this.shared.ensureRunning();
  }

  /** The execution ended: stop copying its tasks (the shared loop stops with the last one). */
  async finish(): Promise<void> {
    for (const key of this.shared.inner.following) {
      if (key.startsWith(this.prefix)) this.shared.inner.stopFollowing(key, { lastRead: false });
    }
    await this.done();
  }
}

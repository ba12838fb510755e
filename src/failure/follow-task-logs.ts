import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { Emit, StateRun } from "../execution/model.js";
import { LogFollower } from "./log-follower.js";

/**
 * `--follow-logs` for one followed execution: on every poll, the Glue and
 * Batch task attempts that are running are followed and those that ended are
 * read once more and dropped; the follower copies new lines in the background
 * within its own budget (one CloudWatch Logs call a second).
 */
export class TaskLogFollowing {
  private readonly follower: LogFollower;
  private readonly loop = new AbortController();
  private running?: Promise<void>;
  /** `state#attempt` keys followed, and states already told why they cannot be. */
  private readonly followed = new Set<string>();
  private readonly explained = new Set<string>();

  constructor(
    private readonly deps: {
      logs: () => Promise<CloudWatchLogsClient>;
      now: () => number;
      sleep: (ms: number, signal: AbortSignal) => Promise<void>;
      emit: Emit;
    },
  ) {
    this.follower = new LogFollower({
      logs: deps.logs,
      now: deps.now,
      sleep: (ms, signal) => deps.sleep(ms, signal ?? this.loop.signal),
      emit: deps.emit,
    });
  }

  /** Bring the followed tasks in line with the running state runs. */
  async onPoll(running: readonly StateRun[], signal: AbortSignal): Promise<void> {
    const open = new Set<string>();
    for (const run of running) {
      const attempt = run.attempts[run.attempts.length - 1];
      if (!attempt?.task?.id || attempt.status !== "running") continue;
      const key = `${run.name}#${attempt.number}`;
      open.add(run.name);
      if (this.followed.has(key)) continue;
      this.followed.add(key);
      const why = this.follower.follow(run.name, attempt);
      if (why && !this.explained.has(run.name)) {
        this.explained.add(run.name);
        this.deps.emit({
          type: "notice",
          at: this.deps.now(),
          level: "info",
          message: `--follow-logs: ${run.name}: ${why}`,
        });
      }
    }
    for (const state of this.follower.following) if (!open.has(state)) this.follower.stopFollowing(state);
    if (!this.running && this.follower.following.length > 0) {
      const stop = () => this.loop.abort();
      signal.addEventListener("abort", stop, { once: true });
      this.running = this.follower.run(this.loop.signal).catch(() => undefined);
    }
  }

  /** The execution ended: stop copying. */
  async finish(): Promise<void> {
    this.loop.abort();
    await this.running;
  }
}

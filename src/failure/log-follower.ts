import type { BatchClient } from "@aws-sdk/client-batch";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { classifyAwsError, isRetryableLater } from "../aws/errors.js";
import { loadLogs } from "../aws/load-logs.js";
import type { Attempt, Emit, LogSource } from "../execution/model.js";
import {
  BATCH_DEFAULT_LOG_GROUP,
  GLUE_CONTINUOUS_LOG_GROUP,
  GLUE_DEFAULT_LOG_GROUP,
} from "./task-failure.js";

export interface LogFollowerOptions {
  /** The client, or how to get it (the SDK is loaded on first use). */
  logs: CloudWatchLogsClient | (() => Promise<CloudWatchLogsClient>);
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  emit: Emit;
  /** One budget for every followed task: at most one CloudWatch Logs call per this many ms. Default 1000. */
  minCallIntervalMs?: number;
  /** A task whose stream is at its end (or not there yet) is asked again after this long. Default 5000. */
  idleMs?: number;
  /**
   * AWS Batch, for DescribeJobs, the one API that names a running job's log
   * stream (the client, or how to get it). Without it a Batch job is not followed.
   */
  batch?: BatchClient | (() => Promise<BatchClient>);
  /** At most one DescribeJobs per this many ms, for all jobs (a budget apart from the logs one). Default 1000. */
  minBatchCallIntervalMs?: number;
  /** A Batch job that does not run yet is asked again after this long. Default 5000. */
  jobPollMs?: number;
}

/** Batch job states after which no container will start: a job that names no stream by then never logs. */
const JOB_ENDED = new Set(["SUCCEEDED", "FAILED"]);

interface Followed {
  state: string;
  /** Where to look, in turn, until one stream exists; then it sticks. */
  candidates: LogSource[];
  candidate: number;
  found: boolean;
  token?: string;
  /** Not asked again before this time. */
  notBefore: number;
  /** stopFollowing was called: one last read, then it is dropped. */
  ending: boolean;
  warned: boolean;
  /** A Batch job: until DescribeJobs names its stream, `candidates` is empty and it is asked instead. */
  job?: { id: string; resolved: boolean };
}

/**
 * `--follow-logs`: copies the new lines of running Glue and Batch tasks into
 * the build log as `task-log` events, within one budget of CloudWatch Logs
 * calls for all of them (default one a second), on an injected clock.
 *
 * Each followed task is read forward with GetLogEvents' forward token
 * (`startFromHead`): the same token back means the end for now, so the task
 * rests for `idleMs`; a different token, even with an empty page, means more
 * may follow, so it is asked again on the next free call. Calls go to the task
 * that has waited longest among those due.
 *
 * Where a task logs while it runs:
 * - Glue: stream = the run id, in `/aws-glue/jobs/error` (where the driver's
 *   stderr, and so Spark's and Python's logging, goes), else in
 *   `/aws-glue/jobs/logs-v2` (continuous logging); tried in turn until one exists.
 * - Batch: the history names the stream only in the failure cause; while
 *   the job runs its stream (`<jobDefinition>/default/<ecsTaskId>`) is known to
 *   batch:DescribeJobs alone (listing `<jobDefinition>/default/` streams cannot
 *   tell this job's stream from every other run of the same definition). So,
 *   given a Batch client, the job is asked with DescribeJobs (every `jobPollMs`
 *   per job, at most one call per `minBatchCallIntervalMs` for all: a Batch
 *   budget, apart from the logs one) until it runs and names its stream
 *   (group: the container's `awslogs-group`, else `/aws/batch/job`), which is
 *   then read like a Glue one. Without a client, or with a known stream
 *   (pass `source`), `follow` says why it cannot instead of guessing.
 *
 * Use: `follow` when a task is submitted, `stopFollowing` when it ends, and
 * `run(signal)` (or `tick(signal)` for one budgeted call) alongside the poll loop.
 */
export class LogFollower {
  private readonly tasks = new Map<string, Followed>();
  private nextCallAt = Number.NEGATIVE_INFINITY;
  private nextBatchCallAt = Number.NEGATIVE_INFINITY;
  private client: CloudWatchLogsClient | undefined;
  private batchClient: BatchClient | undefined;
  private readonly interval: number;
  private readonly idle: number;
  private readonly batchInterval: number;
  private readonly jobPoll: number;
  /** CloudWatch Logs calls made, for the report. */
  calls = 0;
  /** Batch DescribeJobs calls made. */
  batchCalls = 0;

  constructor(private readonly options: LogFollowerOptions) {
    this.interval = options.minCallIntervalMs ?? 1000;
    this.idle = options.idleMs ?? 5000;
    this.batchInterval = options.minBatchCallIntervalMs ?? 1000;
    this.jobPoll = options.jobPollMs ?? 5000;
  }

  /**
   * Start following a task attempt's log (a retry's new attempt replaces the
   * old one). Returns why it cannot be followed, or undefined when it is.
   */
  follow(state: string, attempt: Attempt, source?: LogSource): string | undefined {
    const task = attempt.task;
    let candidates: LogSource[];
    let job: Followed["job"];
    if (source) candidates = [source];
    else if (task?.kind === "batch" && task.id && this.options.batch) {
      candidates = [];
      job = { id: task.id, resolved: false };
    } else if (task?.kind === "glue" && task.id)
      candidates = [
        { group: `${GLUE_DEFAULT_LOG_GROUP}/error`, stream: task.id },
        { group: GLUE_CONTINUOUS_LOG_GROUP, stream: task.id },
      ];
    else if (task?.kind === "batch")
      return `the log of ${state} (Batch job ${task.id ?? "?"}) cannot be followed: its stream is known only once the job has ended`;
    else return `the log of ${state} cannot be followed: no Glue run id yet`;
    this.tasks.set(state, {
      state,
      candidates,
      candidate: 0,
      found: false,
      notBefore: Number.NEGATIVE_INFINITY,
      ending: false,
      warned: false,
      ...(job ? { job } : {}),
    });
    return undefined;
  }

  /** The task ended: read what is left once more (within the budget), then stop. */
  stopFollowing(state: string, options: { lastRead?: boolean } = {}): void {
    const task = this.tasks.get(state);
    if (!task) return;
    // A Batch job's stream is certain once DescribeJobs named it (or will be, once asked): worth a last read.
    if (options.lastRead === false || (!task.found && !task.job)) {
      this.tasks.delete(state);
      return;
    }
    task.ending = true;
    task.notBefore = Number.NEGATIVE_INFINITY;
  }

  get following(): string[] {
    return [...this.tasks.keys()];
  }

  /** Until aborted: one budgeted call after another; with nothing to follow, it waits a budget interval. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const called = await this.tick(signal);
      if (!called && !signal.aborted) await this.options.sleep(this.interval, signal).catch(() => undefined);
    }
  }

  /**
   * One budgeted round: wait for the budget and for the next due task, then
   * make one call for it: GetLogEvents, emitting its new lines, or, for a
   * Batch job whose stream is not known yet, DescribeJobs. Returns false when
   * nothing is followed (no call made).
   */
  async tick(signal: AbortSignal): Promise<boolean> {
    const task = this.nextDue();
    if (!task) return false;
    const wait = this.dueAt(task) - this.options.now();
    if (wait > 0) await this.options.sleep(wait, signal);
    if (signal.aborted || this.tasks.get(task.state) !== task) return true;
    if (this.asksBatch(task)) {
      this.nextBatchCallAt = this.options.now() + this.batchInterval;
      await this.resolve(task, signal);
    } else {
      this.nextCallAt = this.options.now() + this.interval;
      await this.read(task, signal);
    }
    return true;
  }

  private asksBatch(task: Followed): task is Followed & { job: { id: string } } {
    return task.job !== undefined && !task.job.resolved;
  }

  /** The earliest time the task's next call may go out: its own rest and its budget's spacing. */
  private dueAt(task: Followed): number {
    return Math.max(task.notBefore, this.asksBatch(task) ? this.nextBatchCallAt : this.nextCallAt);
  }

  /** The task that can be called first; among equals, the one that has waited longest. */
  private nextDue(): Followed | undefined {
    let best: Followed | undefined;
    let bestAt = Number.POSITIVE_INFINITY;
    for (const task of this.tasks.values()) {
      const at = this.dueAt(task);
      if (!best || at < bestAt || (at === bestAt && task.notBefore < best.notBefore)) {
        best = task;
        bestAt = at;
      }
    }
    return best;
  }

  /** One DescribeJobs for a Batch job: once it runs, its stream becomes the one to read. */
  private async resolve(task: Followed & { job: { id: string; resolved: boolean } }, signal: AbortSignal) {
    const api = await loadLogs();
    const batch = this.options.batch as NonNullable<LogFollowerOptions["batch"]>;
    this.batchClient ??= typeof batch === "function" ? await batch() : batch;
    this.batchCalls += 1;
    try {
      const job = await api.describeBatchJobLog(this.batchClient, task.job.id, signal);
      // A retry's new attempt took its place while we asked: leave that one alone.
      if (this.tasks.get(task.state) !== task) return;
      if (job.logStreamName) {
        task.job.resolved = true;
        task.candidates = [{ group: job.logGroup ?? BATCH_DEFAULT_LOG_GROUP, stream: job.logStreamName }];
        task.notBefore = this.options.now();
        return;
      }
      if (job.status === "RUNNING") {
        // Batch names the stream from RUNNING on; none means the container logs elsewhere.
        this.tasks.delete(task.state);
        this.options.emit({
          type: "notice",
          at: this.options.now(),
          level: "info",
          message: `--follow-logs: the log of ${task.state} (Batch job ${task.job.id}) cannot be followed: DescribeJobs names no CloudWatch Logs stream for it (log driver ${job.logDriver ?? "unknown"})`,
        });
        return;
      }
      // Ended without a container ever running (cancelled, or failed to start), or the task ended first.
      if (JOB_ENDED.has(job.status) || task.ending) {
        this.tasks.delete(task.state);
        return;
      }
      task.notBefore = this.options.now() + this.jobPoll;
    } catch (error) {
      this.describeFailed(task, error);
    }
  }

  private describeFailed(task: Followed & { job: { id: string } }, error: unknown): void {
    if (this.tasks.get(task.state) !== task) return;
    const name = error instanceof Error ? error.name : "";
    const kind = classifyAwsError(error);
    if (kind === "aborted") {
      this.tasks.delete(task.state);
      return;
    }
    if (kind === "access") {
      this.tasks.delete(task.state);
      this.warn(
        `--follow-logs: batch:DescribeJobs is denied, so the log stream of Batch job ${task.job.id} is not known; not following ${task.state}`,
      );
      return;
    }
    if (!isRetryableLater(error)) {
      // A refusal that asking again will not change (ClientException, a bad id): say it once and stop asking.
      this.tasks.delete(task.state);
      const message = error instanceof Error ? error.message : String(error);
      this.warn(
        `--follow-logs: Batch cannot say where ${task.state} logs (${name || "Error"}: ${message}); not following it`,
      );
      return;
    }
    if (!task.warned) {
      task.warned = true;
      const message = error instanceof Error ? error.message : String(error);
      this.warn(
        `--follow-logs: asking Batch for the log stream of ${task.state} failed (${name || "Error"}: ${message}); will retry`,
      );
    }
    task.notBefore = this.options.now() + this.jobPoll;
    if (task.ending) this.tasks.delete(task.state);
  }

  private async read(task: Followed, signal: AbortSignal): Promise<void> {
    const source = task.candidates[task.candidate] as LogSource;
    const api = await loadLogs();
    this.client ??= typeof this.options.logs === "function" ? await this.options.logs() : this.options.logs;
    this.calls += 1;
    try {
      const page = await api.getLogEventsPage(
        this.client,
        {
          group: source.group,
          stream: source.stream,
          fromHead: true,
          ...(task.token ? { token: task.token } : {}),
        },
        signal,
      );
      task.found = true;
      if (page.lines.length > 0) {
        this.options.emit({ type: "task-log", at: this.options.now(), state: task.state, lines: page.lines });
      }
      const atEnd = !page.forwardToken || page.forwardToken === task.token;
      if (page.forwardToken) task.token = page.forwardToken;
      if (task.ending && atEnd) {
        this.tasks.delete(task.state);
        return;
      }
      task.notBefore = atEnd ? this.options.now() + this.idle : this.options.now();
    } catch (error) {
      this.failed(task, error, source);
    }
  }

  private failed(task: Followed, error: unknown, source: LogSource): void {
    const name = error instanceof Error ? error.name : "";
    // Cut short because following stopped (the task or the execution ended): nothing went wrong.
    if (name === "AbortError") {
      this.tasks.delete(task.state);
      return;
    }
    if (name === "ResourceNotFoundException" && !task.found) {
      // Not written yet (the job is starting) or written elsewhere: try the next place later.
      task.candidate = (task.candidate + 1) % task.candidates.length;
      task.notBefore = this.options.now() + this.idle;
      if (task.ending) this.tasks.delete(task.state);
      return;
    }
    if (name === "AccessDeniedException") {
      this.tasks.delete(task.state);
      this.warn(
        `--follow-logs: logs:GetLogEvents is denied on log group ${source.group}; not following ${task.state}`,
      );
      return;
    }
    // Throttling or a 5xx that outlasted the SDK's retries: say it once per task, keep following, later.
    if (!task.warned) {
      task.warned = true;
      const message = error instanceof Error ? error.message : String(error);
      this.warn(
        `--follow-logs: reading the log of ${task.state} failed (${name || "Error"}: ${message}); will retry`,
      );
    }
    task.notBefore = this.options.now() + this.idle;
    if (task.ending) this.tasks.delete(task.state);
  }

  private warn(message: string): void {
    this.options.emit({ type: "notice", at: this.options.now(), level: "warn", message });
  }
}

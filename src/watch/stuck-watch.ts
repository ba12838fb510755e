import type { BatchClient } from "@aws-sdk/client-batch";
import type { GlueClient } from "@aws-sdk/client-glue";
import type { CapacityFacts } from "../aws/batch-capacity.js";
import type { LogsModule } from "../aws/load-logs.js";
import { formatDuration } from "../duration.js";
import type { Attempt, Emit, ExecutionEvent, StateRun, Stuck } from "../execution/model.js";
import { DESCRIBE_JOBS, GET_JOB_RUN, type WaitingStatuses } from "../tasks/kind.js";
import { kindOfResource } from "../tasks/registry.js";

/** Each task is asked at most once a minute. */
export const STUCK_CHECK_MS = 60_000;

export interface StuckWatchOptions {
  /** --stuck-after. */
  stuckAfterMs: number;
  /** --on-stuck. */
  onStuck: "stop" | "warn";
  now: () => number;
  /** The Batch client (its SDK rides in the logs bundle, loaded on first use). */
  batch: () => Promise<BatchClient>;
  /** The Glue client (from the preflight chunk of src/aws/clients.ts, loaded on first use). */
  glue: () => Promise<GlueClient>;
  api: () => Promise<LogsModule>;
  signal: AbortSignal;
}

/** A Batch job's queue and compute environments; none for a Glue run. */
interface Capacity {
  queue?: CapacityFacts;
  environments: CapacityFacts[];
}

interface Watched {
  attempt: Attempt;
  run: StateRun;
  kindId: string;
  waiting: WaitingStatuses;
  /** The kind's words for its work: "Batch job". */
  label: string;
  id: string;
  checkedAt: number;
  warnedAt: number;
  done: boolean;
  execution: ExecutionStuck;
}

/**
 * --stuck-after: a task still waiting for capacity (a Batch job RUNNABLE, a
 * Glue run WAITING or STARTING, as each kind's `waitingStatuses` says) after
 * the limit gets a warning naming why, again at most every --stuck-after;
 * with --on-stuck stop the execution is stopped. A task is first asked once
 * it has waited the limit, then at most once a minute until it runs; the
 * Batch jobs of every execution the command follows that are due at one
 * poll share one DescribeJobs call (100 ids a call); a Glue run is one
 * GetJobRun call (the API takes one run).
 */
export class StuckWatch {
  private readonly watched = new Map<Attempt, Watched>();
  /** Calls made, for the tests and the result. */
  calls = 0;

  constructor(private readonly options: StuckWatchOptions) {}

  forExecution(emit: Emit, stop: (executionArn: string, reason: string) => Promise<void>): ExecutionStuck {
    return new ExecutionStuck(this, emit, stop);
  }

  now(): number {
    return this.options.now();
  }

  /** The running attempts of one execution: remember new ones, then ask about those due. */
  async poll(execution: ExecutionStuck, runs: readonly StateRun[]): Promise<void> {
    for (const run of runs) {
      if (run.status !== "running") continue;
      const attempt = run.attempts.at(-1);
      if (attempt?.status !== "running" || !attempt.task?.id || this.watched.has(attempt)) continue;
      const kind = kindOfResource(run.resource);
      if (!kind?.waiting) continue;
      this.watched.set(attempt, {
        attempt,
        run,
        kindId: kind.id,
        waiting: kind.waiting,
        label: kind.labels.task,
        id: attempt.task.id,
        checkedAt: Number.NEGATIVE_INFINITY,
        warnedAt: Number.NEGATIVE_INFINITY,
        done: false,
        execution,
      });
    }
    const now = this.options.now();
    const due = [...this.watched.values()].filter(
      (w) =>
        !w.done &&
        w.attempt.status === "running" &&
        now - w.attempt.startedAt >= this.options.stuckAfterMs &&
        now - w.checkedAt >= STUCK_CHECK_MS,
    );
    for (const w of this.watched.values()) if (w.attempt.status !== "running") this.watched.delete(w.attempt);
    for (const w of due) w.checkedAt = now;
    const batch = due.filter((w) => w.waiting.readBy === DESCRIBE_JOBS);
    if (batch.length > 0) await this.asking(batch, () => this.checkBatch(batch, now));
    for (const w of due) {
      if (w.waiting.readBy === GET_JOB_RUN) await this.asking([w], () => this.checkGlue(w, now));
    }
  }

  /** Ask; a call that fails is never fatal: said once per task, asked again at the next minute. */
  private async asking(watched: readonly Watched[], ask: () => Promise<void>): Promise<void> {
    try {
      await ask();
    } catch (error: unknown) {
      if (this.options.signal.aborted) return;
      const name = (error as Error).name ?? "Error";
      for (const w of watched) {
        w.execution.warnOnce(
          `could not ask about ${w.run.name}'s ${w.label} ${w.id} (${name}: ${(error as Error).message}); ${w.waiting.readBy} is needed to see a stuck task`,
        );
      }
    }
  }

  private async checkGlue(w: Watched, now: number): Promise<void> {
    const jobName = w.attempt.task?.jobName;
    // GetJobRun needs the job's name as well as the run id; a task without one cannot be asked.
    if (!jobName) {
      w.done = true;
      return;
    }
    const api = await this.options.api();
    const client = await this.options.glue();
    this.calls += 1;
    const run = await api.getJobRunStatus(client, jobName, w.id, this.options.signal);
    if (!run) return;
    if (!w.waiting.statuses.includes(run.state)) {
      // A run past STARTING and WAITING does not go back to them.
      w.done = true;
      return;
    }
    await this.warn(w, run.state, run.reason, now, { environments: [] });
  }

  private async checkBatch(batch: readonly Watched[], now: number): Promise<void> {
    const api = await this.options.api();
    const client = await this.options.batch();
    const ids = batch.map((w) => w.id);
    this.calls += Math.ceil(ids.length / api.DESCRIBE_JOBS_MAX);
    const statuses = new Map(
      (await api.describeJobStatuses(client, ids, this.options.signal)).map((job) => [job.jobId, job]),
    );
    for (const w of batch) {
      const job = statuses.get(w.id);
      if (!job) continue;
      if (!w.waiting.statuses.includes(job.status)) {
        // Past the waiting statuses (or not yet there): a RUNNING job does not go back to waiting.
        if (job.status !== "SUBMITTED" && job.status !== "PENDING") w.done = true;
        continue;
      }
      if (now - w.warnedAt < this.options.stuckAfterMs) continue;
      let capacity: Capacity = { environments: [] };
      if (job.jobQueue) {
        this.calls += 2;
        capacity = await api.describeQueueCapacity(client, job.jobQueue, this.options.signal);
      }
      await this.warn(w, job.status, job.statusReason, now, capacity);
    }
  }

  /** A task found waiting: warned (and with --on-stuck stop, stopped) at most every --stuck-after. */
  private async warn(
    w: Watched,
    status: string,
    statusReason: string | undefined,
    now: number,
    capacity: Capacity,
  ): Promise<void> {
    if (now - w.warnedAt < this.options.stuckAfterMs) return;
    w.warnedAt = now;
    const waitedMs = now - w.attempt.startedAt;
    await w.execution.found({
      state: w.run.name,
      kind: w.kindId,
      id: w.id,
      status,
      ...(statusReason ? { statusReason } : {}),
      waitedMs,
      message: stuckMessage(w, status, statusReason, waitedMs, capacity, this.options),
      stopped: false,
    });
  }

  get onStuck(): "stop" | "warn" {
    return this.options.onStuck;
  }
}

/** One followed execution's part: its warnings, its stop, and what the report keeps. */
export class ExecutionStuck {
  private last?: Stuck;
  private stopping = false;
  private readonly said = new Set<string>();
  private executionArn?: string;

  constructor(
    private readonly shared: StuckWatch,
    private readonly emit: Emit,
    private readonly stop: (executionArn: string, reason: string) => Promise<void>,
  ) {}

  /** Passes events on; the ending report gets the stuck task, if any. */
  readonly onEvent = (event: ExecutionEvent): void => {
    if (event.type === "started" || event.type === "attached" || event.type === "redriven") {
      this.executionArn = event.executionArn;
    }
    if (event.type === "ended" && this.last) event.report.stuck = this.last;
    this.emit(event);
  };

  onPoll(runs: readonly StateRun[]): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return this.shared.poll(this, runs);
  }

  warnOnce(message: string): void {
    if (this.said.has(message)) return;
    this.said.add(message);
    this.emit({ type: "notice", at: this.shared.now(), level: "warn", message });
  }

  async found(stuck: Stuck): Promise<void> {
    this.last = stuck;
    const stop = this.shared.onStuck === "stop";
    this.emit({
      type: "notice",
      at: this.shared.now(),
      level: "warn",
      message: `${stuck.message}${stop ? " Stopping the execution (--on-stuck stop)." : ""}`,
    });
    if (!stop || this.stopping || !this.executionArn) return;
    this.stopping = true;
    this.last = { ...stuck, stopped: true };
    await this.stop(
      this.executionArn,

      `${stuck.state}'s ${stuck.kind} job ${stuck.id} was ${stuck.status} for ${formatDuration(stuck.waitedMs)} (--on-stuck stop)`,
    );
  }
}

function stuckMessage(
  w: Watched,
  status: string,
  statusReason: string | undefined,
  waitedMs: number,
  capacity: Capacity,
  options: Pick<StuckWatchOptions, "stuckAfterMs">,
): string {
  const job = `${w.attempt.task?.jobName ? `${w.attempt.task.jobName} ` : ""}${w.id}`;
  const parts = [
    `${w.run.name}: ${w.label} ${job} has been ${status} for ${formatDuration(waitedMs)} (--stuck-after ${formatDuration(options.stuckAfterMs)}): ${(statusReason ?? "no status reason given").replace(/\.$/, "")}.`,
  ];
  if (capacity.queue) parts.push(`Queue ${describe(capacity.queue)}.`);
  for (const ce of capacity.environments) {
    const vcpus =
      ce.desiredvCpus !== undefined || ce.maxvCpus !== undefined
        ? `, desired ${ce.desiredvCpus ?? "?"} of max ${ce.maxvCpus ?? "?"} vCPUs`
        : "";
    parts.push(`Compute environment ${describe(ce)}${vcpus}.`);
  }
  return parts.join(" ");
}

function describe(facts: CapacityFacts): string {
  return `${facts.name} ${facts.state ?? "?"} ${facts.status ?? "?"}${facts.statusReason ? ` (${facts.statusReason})` : ""}`;
}

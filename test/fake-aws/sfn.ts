// AWS Step Functions as the CLI sees it: StartExecution, DescribeExecution,
// GetExecutionHistory, StopExecution, RedriveExecution, DescribeStateMachine,
// ListExecutions.
// Nothing runs: each execution unfolds from a script into a timeline of
// history events stamped relative to its start, and every answer is a pure
// function of that timeline and `ctx.clock.now()`. A test that advances a fake
// clock therefore sees states enter, retry, fail and finish exactly as a poller
// would against the real service, without waiting on wall time.
//
// Names, shapes, limits and error codes follow the Step Functions API
// reference (states-2016-11-23). Where the reference is silent, the choice is
// commented and mirrors what AWS was recorded doing (LocalStack's parity
// snapshots) rather than what would be convenient.

import { createHash, randomUUID } from "node:crypto";
import { optionalBoolean, optionalInteger, optionalString, requiredString, validation } from "./fields.js";
import { unknownOperation } from "./server.js";
import { AwsFault, type AwsService, type Clock, type ServiceContext } from "./types.js";

// ---------------------------------------------------------------------------
// Scripts: how an execution unfolds

export type ScriptedStateType = "Task" | "Pass" | "Wait" | "Choice" | "Succeed" | "Map";

/** One attempt of a Task that fails and is retried (a `Retry` rule catching it). */
export interface FailedAttempt {
  error: string;
  cause: string;
  /** How long the attempt ran before failing; defaults to the state's `durationMs`. */
  durationMs?: number;
  /** Back-off before the next attempt is scheduled (the retrier's interval); default 0. */
  retryIntervalMs?: number;
  /** Build the cause from the job this attempt submitted (its run id / job id); wins over `cause`. */
  causeFor?: (task: SubmittedTask) => string;
}

/**
 * The Glue run or Batch job one `.sync` task attempt submitted, with the ids
 * the fake derives for it (deterministic: execution ARN, state, attempt), so a
 * cause and the logs seeded for it name the same run as TaskSubmitted does.
 */
export interface SubmittedTask {
  kind: "glue" | "batch" | "lambda";
  state: string;
  /** 0-based, as the fake counts attempts. */
  attempt: number;
  jobName: string;
  /** Glue. */
  jobRunId?: string;
  /** Batch. */
  jobId?: string;
  jobArn?: string;
  /** Batch: the stream a container of this job logs to, `<jobDefinitionName>/default/<ecsTaskId>`. */
  logStreamName?: string;
  /** Lambda: the invocation's request id, the function's name and qualifier (from FunctionName or the ARN). */
  requestId?: string;
  functionName?: string;
  qualifier?: string;
}

export interface ScriptedState {
  name: string;
  /** Default `Task`. */
  type?: ScriptedStateType;
  /**
   * Task resource, e.g. `arn:aws:states:::glue:startJobRun.sync` or
   * `arn:aws:states:::batch:submitJob.sync`. Default: the Glue `.sync` integration.
   */
  resource?: string;
  /** Task `Parameters` as resolved for TaskScheduled; default derived from the resource. */
  parameters?: Record<string, unknown>;
  /** Time the state (its successful or final attempt) takes. */
  durationMs: number;
  /** Attempts that fail and are retried before the final one runs. */
  failedAttempts?: FailedAttempt[];
  /**
   * Fields laid over the job document a succeeded `.sync` task returns (Glue's
   * JobRun, Batch's JobDetail, PascalCase as Step Functions records them):
   * `{ WorkerType: "G.2X", NumberOfWorkers: 4 }`, `{ DPUSeconds: 1234 }`,
   * `{ Container: { ResourceRequirements: [...] } }`.
   */
  job?: Record<string, unknown>;
  /** The state's output; default: its input passes through (ResultPath: null). */
  output?: unknown;
  /** Map only: number of iterations, each a Pass state (4 history events apiece). */
  iterations?: number;
  /** Map only: name of the state inside the iterator; default `ProcessItem`. */
  iteratorState?: string;
}

export interface ScriptedFailure {
  /** The state whose final attempt fails; later states never run. */
  state: string;
  error: string;
  cause: string;
  /** Build the cause from the job the final attempt submitted; wins over `cause`. */
  causeFor?: (task: SubmittedTask) => string;
  /**
   * Route the error through a `Catch` to a Fail state of this name instead of
   * failing the execution from the Task directly. The Fail state's own
   * Error/Cause default to the caught ones.
   */
  catchTo?: string;
  failStateError?: string;
  failStateCause?: string;
}

/**
 * - `SUCCEEDED`: every state completes.
 * - `{ fail }`: states run up to the named one, which fails (after its `failedAttempts`).
 * - `TIMED_OUT`: the last state is entered and is still running when the
 *   execution-level `TimeoutSeconds` expires, `durationMs` after it entered.
 * - `NEVER_ENDS`: the last state is entered and never completes; only StopExecution ends it.
 */
export type ScriptOutcome = "SUCCEEDED" | "TIMED_OUT" | "NEVER_ENDS" | { fail: ScriptedFailure };

export interface ExecutionScript {
  states: ScriptedState[];
  outcome: ScriptOutcome;
  /** Execution output on success; default: the last state's output. */
  output?: unknown;
}

// ---------------------------------------------------------------------------
// Public API

export type ExecutionStatus =
  | "RUNNING"
  | "SUCCEEDED"
  | "FAILED"
  | "TIMED_OUT"
  | "ABORTED"
  | "PENDING_REDRIVE";

export interface AddStateMachineOptions {
  name: string;
  type?: "STANDARD";
  /** ASL JSON for DescribeStateMachine; default: generated from the script. */
  definition?: string;
  roleArn?: string;
  /** How every execution unfolds unless a per-execution script is queued. */
  script?: ExecutionScript;
}

export interface StopCall {
  executionArn: string;
  error?: string;
  cause?: string;
  at: number;
  /** Status the execution had when the call arrived (undefined if unknown). */
  statusBefore?: ExecutionStatus;
}

export interface HistoryEventView {
  id: number;
  previousEventId: number;
  type: string;
  /** Epoch milliseconds. */
  at: number;
  details: Record<string, unknown>;
}

/** A snapshot of one execution as of a given time, for assertions. */
export interface ExecutionView {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  redriveCount: number;
  redriveDate?: number;
  /** Every event of the timeline, including those whose time has not come. */
  timeline: HistoryEventView[];
  /** Events visible at the snapshot time. */
  visibleEvents: number;
}

export interface SfnService extends AwsService {
  readonly region: string;
  readonly accountId: string;
  addStateMachine(options: AddStateMachineOptions): string;
  /** The next StartExecution on this machine that creates an execution uses this script. */
  queueScript(stateMachineArn: string, script: ExecutionScript): void;
  /** PublishStateMachineVersion: the version ARN (`...:stateMachine:NAME:N`). */
  publishVersion(stateMachineArn: string): string;
  /** CreateStateMachineAlias routing all traffic to one version: the alias ARN (`...:stateMachine:NAME:ALIAS`). */
  addAlias(stateMachineArn: string, alias: string, versionArn: string): string;
  /**
   * Behave like an emulator that takes liberties with GetExecutionHistory
   * (LocalStack and moto have): ignore `reverseOrder` (always oldest first)
   * and/or `maxResults` (pages of `pageSize`, default everything).
   */
  setHistoryQuirks(quirks: {
    ignoreReverseOrder?: boolean;
    ignoreMaxResults?: boolean;
    pageSize?: number;
  }): void;
  /**
   * How each new execution of this machine unfolds, chosen by its name and
   * input (a backfill's dates: `(name) => name.includes("20231003") ? fails : undefined`).
   * A queued script still comes first; `undefined` falls back to the machine's script.
   * Setting it again replaces the rule.
   */
  setScriptForName(stateMachineArn: string, pick: ScriptPicker): void;
  /** The next RedriveExecution of this execution continues with this script. */
  queueRedriveScript(executionArn: string, script: ExecutionScript): void;
  /** DescribeExecution answers ExecutionDoesNotExist this many times after each new start. */
  setDescribeLag(calls: number): void;
  executions(now?: number): ExecutionView[];
  getExecution(executionArn: string, now?: number): ExecutionView | undefined;
  /** Executions actually created (idempotent repeats of StartExecution excluded). */
  startCount(): number;
  /**
   * The most executions of this machine RUNNING at the same instant up to
   * `now`, from their timelines: each run lasts from ExecutionStarted (or
   * ExecutionRedriven) to its terminal event, ExecutionAborted from
   * StopExecution included. One ending at the instant another starts does not
   * overlap it.
   */
  maxConcurrentRunning(stateMachineArn: string, now?: number): number;
  readonly stopCalls: readonly StopCall[];
}

/** Chooses the script of a new execution from its name and input; `undefined` for the default. */
export type ScriptPicker = (name: string, input: string) => ExecutionScript | undefined;

export interface SfnServiceOptions {
  accountId?: string;
  region?: string;
  /** Default 0. */
  describeLagCalls?: number;
  /** Used by the inspection helpers and seeding when no request has brought a clock yet. */
  clock?: Clock;
}

// Limits from the API reference.
const MAX_NAME_LENGTH = 80;
const MAX_INPUT_BYTES = 262_144;
const DEFAULT_HISTORY_PAGE = 100;
const MAX_HISTORY_PAGE = 1000;
const DEFAULT_LIST_PAGE = 100;
const MAX_LIST_PAGE = 1000;
const LIST_STATUSES: readonly ExecutionStatus[] = [
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "TIMED_OUT",
  "ABORTED",
  "PENDING_REDRIVE",
];
const REDRIVE_WINDOW_MS = 14 * 24 * 3600 * 1000;
const TOKEN_TTL_MS = 24 * 3600 * 1000;
const REDRIVE_TOKEN_TTL_MS = 15 * 60 * 1000;
const REDRIVE_TOKENS_KEPT = 10;
const HISTORY_EVENT_LIMIT = 25_000;

export const GLUE_SYNC_RESOURCE = "arn:aws:states:::glue:startJobRun.sync";
export const BATCH_SYNC_RESOURCE = "arn:aws:states:::batch:submitJob.sync";

export function createSfnService(options: SfnServiceOptions = {}): SfnService {
  return new FakeSfn(options);
}

// ---------------------------------------------------------------------------
// Internals

type StoredEvent = HistoryEventView;

interface StateSpan {
  /** Index into the segment script's `states`. */
  index: number;
  startAt: number;
  endAt: number;
}

interface Segment {
  script: ExecutionScript;
  spans: StateSpan[];
}

interface Ending {
  status: Exclude<ExecutionStatus, "RUNNING" | "PENDING_REDRIVE">;
  error?: string;
  cause?: string;
  output?: string;
  /** Index in the segment's states of the unsuccessful state, for redrive. */
  unsuccessfulIndex?: number;
}

interface StateMachine {
  arn: string;
  name: string;
  type: "STANDARD";
  definition: string;
  roleArn: string;
  creationDate: number;
  script: ExecutionScript;
  queued: ExecutionScript[];
}

interface Execution {
  arn: string;
  name: string;
  machine: StateMachine;
  input: string;
  traceHeader?: string;
  startAt: number;
  events: StoredEvent[];
  /** Infinity while nothing in the timeline ends it. */
  endAt: number;
  ending?: Ending;
  segment: Segment;
  redriveCount: number;
  redriveDate?: number;
  redriveTokens: Array<{ token: string; at: number; redriveDate: number }>;
  queuedRedrive: ExecutionScript[];
  describeLag: number;
  /** Started through a version or alias ARN. */
  versionArn?: string;
  aliasArn?: string;
}

/** A ListExecutions page token: the listing it continues and the last execution returned. */
interface ListToken {
  stateMachineArn: string;
  statusFilter?: string;
  redriveFilter?: string;
  anchorArn: string;
  issuedAt: number;
}

interface PageToken {
  executionArn: string;
  reverse: boolean;
  /** Id of the last event returned; the next page continues past it. */
  anchor: number;
  issuedAt: number;
}

class FakeSfn implements SfnService {
  readonly targetPrefix = "AWSStepFunctions";
  readonly jsonVersion = "1.0" as const;
  readonly region: string;
  readonly accountId: string;
  readonly stopCalls: StopCall[] = [];
  private describeLag: number;
  private readonly machines = new Map<string, StateMachine>();
  /** Qualified ARN (version or alias) -> the base machine and the version it runs. */
  private readonly qualified = new Map<
    string,
    { machine: StateMachine; versionArn: string; aliasArn?: string }
  >();
  private readonly versionCounts = new Map<string, number>();
  private historyQuirks: { ignoreReverseOrder?: boolean; ignoreMaxResults?: boolean; pageSize?: number } = {};
  private readonly execs = new Map<string, Execution>();
  private readonly tokens = new Map<string, PageToken>();
  private readonly listTokens = new Map<string, ListToken>();
  private readonly pickers = new Map<string, ScriptPicker>();
  private created = 0;
  private clock: Clock;

  constructor(options: SfnServiceOptions) {
    this.region = options.region ?? "ap-south-1";
    this.accountId = options.accountId ?? "123456789012";
    this.describeLag = options.describeLagCalls ?? 0;
    this.clock = options.clock ?? { now: () => Date.now() };
  }

  // -- seeding and inspection ----------------------------------------------

  addStateMachine(options: AddStateMachineOptions): string {
    const arn = `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${options.name}`;
    const script = options.script ?? { states: [], outcome: "SUCCEEDED" };
    checkScript(script);
    this.machines.set(arn, {
      arn,
      name: options.name,
      type: options.type ?? "STANDARD",
      definition: options.definition ?? definitionFor(script),
      roleArn: options.roleArn ?? `arn:aws:iam::${this.accountId}:role/${options.name}-sfn-role`,
      creationDate: this.clock.now(),
      script,
      queued: [],
    });
    return arn;
  }

  queueScript(stateMachineArn: string, script: ExecutionScript): void {
    const machine = this.machines.get(stateMachineArn);
    if (!machine) throw new Error(`queueScript: no state machine ${stateMachineArn}`);
    checkScript(script);
    machine.queued.push(script);
  }

  queueRedriveScript(executionArn: string, script: ExecutionScript): void {
    const exec = this.execs.get(executionArn);
    if (!exec) throw new Error(`queueRedriveScript: no execution ${executionArn}`);
    checkScript(script);
    exec.queuedRedrive.push(script);
  }

  setScriptForName(stateMachineArn: string, pick: ScriptPicker): void {
    if (!this.machines.has(stateMachineArn))
      throw new Error(`setScriptForName: no state machine ${stateMachineArn}`);
    this.pickers.set(stateMachineArn, pick);
  }

  maxConcurrentRunning(stateMachineArn: string, now = this.clock.now()): number {
    // +1 at each run's start, -1 at its end; at the same instant ends go first.
    const steps: Array<{ at: number; delta: number }> = [];
    for (const exec of this.execs.values()) {
      if (exec.machine.arn !== stateMachineArn) continue;
      for (const event of exec.events) {
        if (event.at > now) continue;
        if (RUN_STARTS.has(event.type)) steps.push({ at: event.at, delta: 1 });
        else if (RUN_ENDS.has(event.type)) steps.push({ at: event.at, delta: -1 });
      }
    }
    steps.sort((a, b) => a.at - b.at || a.delta - b.delta);
    let running = 0;
    let most = 0;
    for (const step of steps) {
      running += step.delta;
      most = Math.max(most, running);
    }
    return most;
  }

  setDescribeLag(calls: number): void {
    this.describeLag = calls;
  }

  publishVersion(stateMachineArn: string): string {
    const machine = this.machineFor(stateMachineArn);
    const version = (this.versionCounts.get(machine.arn) ?? 0) + 1;
    this.versionCounts.set(machine.arn, version);
    const versionArn = `${machine.arn}:${version}`;
    this.qualified.set(versionArn, { machine, versionArn });
    return versionArn;
  }

  addAlias(stateMachineArn: string, alias: string, versionArn: string): string {
    const machine = this.machineFor(stateMachineArn);
    if (!this.qualified.has(versionArn)) throw new Error(`addAlias: no version ${versionArn}`);
    const aliasArn = `${machine.arn}:${alias}`;
    this.qualified.set(aliasArn, { machine, versionArn, aliasArn });
    return aliasArn;
  }

  setHistoryQuirks(quirks: {
    ignoreReverseOrder?: boolean;
    ignoreMaxResults?: boolean;
    pageSize?: number;
  }): void {
    this.historyQuirks = { ...quirks };
  }

  executions(now = this.clock.now()): ExecutionView[] {
    return [...this.execs.values()].map((e) => view(e, now));
  }

  getExecution(executionArn: string, now = this.clock.now()): ExecutionView | undefined {
    const exec = this.execs.get(executionArn);
    return exec ? view(exec, now) : undefined;
  }

  startCount(): number {
    return this.created;
  }

  // -- dispatch --------------------------------------------------------------

  handle(operation: string, input: Record<string, unknown>, ctx: ServiceContext): unknown {
    this.clock = ctx.clock;
    const now = ctx.clock.now();
    switch (operation) {
      case "DescribeStateMachineAlias":
        return this.describeStateMachineAlias(input);
      case "DescribeStateMachine":
        return this.describeStateMachine(input);
      case "StartExecution":
        return this.startExecution(input, now);
      case "DescribeExecution":
        return this.describeExecution(input, now);
      case "GetExecutionHistory":
        return this.getExecutionHistory(input, now);
      case "StopExecution":
        return this.stopExecution(input, now);
      case "RedriveExecution":
        return this.redriveExecution(input, now);
      case "ListExecutions":
        return this.listExecutions(input, now);
      default:
        throw unknownOperation(this.targetPrefix, operation);
    }
  }

  // -- operations ------------------------------------------------------------

  private describeStateMachineAlias(input: Record<string, unknown>): unknown {
    const arn = requiredString(input, "stateMachineAliasArn");
    const entry = this.qualified.get(arn);
    if (!entry?.aliasArn) throw new AwsFault("ResourceNotFound", `Resource not found: '${arn}'`);
    return {
      stateMachineAliasArn: arn,
      name: arn.split(":").pop(),
      routingConfiguration: [{ stateMachineVersionArn: entry.versionArn, weight: 100 }],
      creationDate: seconds(entry.machine.creationDate),
      updateDate: seconds(entry.machine.creationDate),
    };
  }

  private describeStateMachine(input: Record<string, unknown>): unknown {
    const arn = requiredString(input, "stateMachineArn");
    if (this.qualified.get(arn)?.aliasArn) {
      // An alias is described by DescribeStateMachineAlias; this operation takes machines and versions.
      throw new AwsFault(
        "InvalidArn",
        `Invalid Arn: 'Resource type not valid in this context: stateMachineAlias'`,
      );
    }
    const machine = this.machineFor(arn);
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: "ACTIVE",
      definition: machine.definition,
      roleArn: machine.roleArn,
      type: machine.type,
      creationDate: seconds(machine.creationDate),
      loggingConfiguration: { level: "OFF", includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  private startExecution(input: Record<string, unknown>, now: number): unknown {
    const smArn = requiredString(input, "stateMachineArn");
    const name = optionalString(input, "name");
    const raw = optionalString(input, "input");
    const traceHeader = optionalString(input, "traceHeader");
    // Length constraints are checked by the service's request validation before
    // anything else, so they answer ValidationException, not InvalidName/InvalidExecutionInput.
    if (name !== undefined) checkLength("name", name, 1, MAX_NAME_LENGTH);
    if (raw !== undefined && Buffer.byteLength(raw, "utf8") > MAX_INPUT_BYTES) {
      throw validation(
        `Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${MAX_INPUT_BYTES}`,
      );
    }
    const machine = this.machineFor(smArn);
    if (name !== undefined && !validExecutionName(name)) {
      throw new AwsFault("InvalidName", `Invalid Name: '${name}'`);
    }
    // AWS stores "{}" when no input is given, and DescribeExecution echoes it.
    const execInput = raw ?? "{}";
    try {
      JSON.parse(execInput);
    } catch (err) {
      throw new AwsFault(
        "InvalidExecutionInput",
        `Invalid State Machine Execution Input: '${(err as Error).message}'`,
      );
    }
    const execName = name ?? randomUUID();
    const arn = `arn:aws:states:${this.region}:${this.accountId}:execution:${machine.name}:${execName}`;
    const existing = this.execs.get(arn);
    if (existing) {
      // Idempotent only while the original is open and the input is byte-identical.
      if (statusAt(existing, now) === "RUNNING" && existing.input === execInput) {
        return { executionArn: arn, startDate: seconds(existing.startAt) };
      }
      throw new AwsFault("ExecutionAlreadyExists", `Execution Already Exists: '${arn}'`);
    }
    const script =
      machine.queued.shift() ?? this.pickedScript(machine.arn, execName, execInput) ?? machine.script;
    const exec: Execution = {
      arn,
      name: execName,
      machine,
      input: execInput,
      traceHeader,
      startAt: now,
      events: [],
      endAt: Number.POSITIVE_INFINITY,
      segment: { script, spans: [] },
      redriveCount: 0,
      redriveTokens: [],
      queuedRedrive: [],
      describeLag: this.describeLag,
    };
    const builder = new TimelineBuilder(exec, this.region, 1);
    builder.push(now, "ExecutionStarted", {
      executionStartedEventDetails: {
        input: execInput,
        inputDetails: { truncated: false },
        roleArn: machine.roleArn,
      },
    });
    builder.unfold(script, now, execInput, true);
    const qualified = this.qualified.get(smArn);
    if (qualified) {
      exec.versionArn = qualified.versionArn;
      if (qualified.aliasArn) exec.aliasArn = qualified.aliasArn;
    }
    this.execs.set(arn, exec);
    this.created += 1;
    return { executionArn: arn, startDate: seconds(now) };
  }

  private describeExecution(input: Record<string, unknown>, now: number): unknown {
    const exec = this.execFor(requiredString(input, "executionArn"));
    if (exec.describeLag > 0) {
      // A freshly started execution may not be readable yet (eventual consistency).
      exec.describeLag -= 1;
      throw executionDoesNotExist(exec.arn);
    }
    const status = statusAt(exec, now);
    const out: Record<string, unknown> = {
      executionArn: exec.arn,
      stateMachineArn: exec.machine.arn,
      name: exec.name,
      status,
      startDate: seconds(exec.startAt),
      input: exec.input,
      inputDetails: { included: true },
    };
    if (status !== "RUNNING" && exec.ending) {
      out.stopDate = seconds(exec.endAt);
      if (exec.ending.output !== undefined) {
        out.output = exec.ending.output;
        out.outputDetails = { included: true };
      }
      // TIMED_OUT carries neither error nor cause (recorded against AWS); ABORTED
      // carries only what StopExecution was given.
      if (exec.ending.error !== undefined) out.error = exec.ending.error;
      if (exec.ending.cause !== undefined) out.cause = exec.ending.cause;
    }
    if (exec.traceHeader !== undefined) out.traceHeader = exec.traceHeader;
    if (exec.versionArn !== undefined) out.stateMachineVersionArn = exec.versionArn;
    if (exec.aliasArn !== undefined) out.stateMachineAliasArn = exec.aliasArn;
    out.redriveCount = exec.redriveCount;
    if (exec.redriveDate !== undefined) out.redriveDate = seconds(exec.redriveDate);
    const reason = notRedrivableReason(exec, now);
    out.redriveStatus = reason ? "NOT_REDRIVABLE" : "REDRIVABLE";
    if (reason) out.redriveStatusReason = reason;
    return out;
  }

  private getExecutionHistory(input: Record<string, unknown>, now: number): unknown {
    const exec = this.execFor(requiredString(input, "executionArn"));
    const maxResults = optionalInteger(input, "maxResults") ?? 0;
    if (maxResults < 0 || maxResults > MAX_HISTORY_PAGE) {
      throw validation(
        `Value '${maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value ${maxResults < 0 ? "greater than or equal to 0" : `less than or equal to ${MAX_HISTORY_PAGE}`}`,
      );
    }
    const quirks = this.historyQuirks;
    const pageSize = quirks.ignoreMaxResults
      ? (quirks.pageSize ?? Number.POSITIVE_INFINITY)
      : maxResults === 0
        ? DEFAULT_HISTORY_PAGE
        : maxResults;
    const reverse = quirks.ignoreReverseOrder ? false : (optionalBoolean(input, "reverseOrder") ?? false);
    const includeData = optionalBoolean(input, "includeExecutionData") ?? true;
    const tokenText = optionalString(input, "nextToken");
    let anchor: number | undefined;
    if (tokenText !== undefined) {
      const token = this.tokens.get(tokenText);
      // A token only continues the listing it came from: same execution, same order.
      if (!token || token.executionArn !== exec.arn || token.reverse !== reverse) {
        throw new AwsFault("InvalidToken", `Invalid Token: '${tokenText}'`);
      }
      if (now - token.issuedAt > TOKEN_TTL_MS) {
        throw new AwsFault("InvalidToken", "Invalid Token: 'Token expired'");
      }
      anchor = token.anchor;
    }
    const visible = exec.events.filter((e) => e.at <= now);
    const ordered = reverse ? [...visible].reverse() : visible;
    const rest =
      anchor === undefined
        ? ordered
        : ordered.filter((e) => (reverse ? e.id < anchor : e.id > (anchor as number)));
    const page = rest.slice(0, pageSize);
    const out: Record<string, unknown> = { events: page.map((e) => renderEvent(e, includeData)) };
    const last = page.at(-1);
    if (rest.length > pageSize && last) {
      const token = opaqueToken();
      this.tokens.set(token, { executionArn: exec.arn, reverse, anchor: last.id, issuedAt: now });
      out.nextToken = token;
    }
    return out;
  }

  private stopExecution(input: Record<string, unknown>, now: number): unknown {
    const arn = requiredString(input, "executionArn");
    const error = optionalString(input, "error");
    const cause = optionalString(input, "cause");
    if (error !== undefined) checkLength("error", error, 0, 256);
    if (cause !== undefined) checkLength("cause", cause, 0, 32_768);
    const call: StopCall = { executionArn: arn, at: now };
    if (error !== undefined) call.error = error;
    if (cause !== undefined) call.cause = cause;
    this.stopCalls.push(call);
    const exec = this.execFor(arn);
    const status = statusAt(exec, now);
    call.statusBefore = status;
    if (status !== "RUNNING") {
      // The reference lists no error for a closed execution: the call succeeds
      // and changes nothing (LocalStack's parity behaviour does the same).
      return { stopDate: seconds(now) };
    }
    const inFlight = spanAt(exec.segment.spans, now);
    exec.events = exec.events.filter((e) => e.at <= now);
    const details: Record<string, unknown> = {};
    if (error !== undefined) details.error = error;
    if (cause !== undefined) details.cause = cause;
    const builder = new TimelineBuilder(exec, this.region, exec.events.length + 1);
    // Recorded AWS histories give ExecutionAborted no predecessor.
    builder.push(now, "ExecutionAborted", { executionAbortedEventDetails: details }, 0);
    exec.endAt = now;
    const ending: Ending = { status: "ABORTED" };
    if (error !== undefined) ending.error = error;
    if (cause !== undefined) ending.cause = cause;
    if (inFlight !== undefined) ending.unsuccessfulIndex = inFlight;
    exec.ending = ending;
    return { stopDate: seconds(now) };
  }

  private redriveExecution(input: Record<string, unknown>, now: number): unknown {
    const exec = this.execFor(requiredString(input, "executionArn"));
    const clientToken = optionalString(input, "clientToken");
    if (clientToken !== undefined) {
      checkLength("clientToken", clientToken, 1, 256);
      const seen = exec.redriveTokens.find(
        (t) => t.token === clientToken && now - t.at <= REDRIVE_TOKEN_TTL_MS,
      );
      if (seen) return { redriveDate: seconds(seen.redriveDate) };
    }
    const reason = notRedrivableReason(exec, now);
    if (reason) throw new AwsFault("ExecutionNotRedrivable", reason);
    const ending = exec.ending as Ending;
    const script = exec.queuedRedrive.shift() ?? remainderOf(exec.segment.script, ending.unsuccessfulIndex);
    exec.redriveCount += 1;
    exec.redriveDate = now;
    exec.ending = undefined;
    exec.endAt = Number.POSITIVE_INFINITY;
    exec.segment = { script, spans: [] };
    const builder = new TimelineBuilder(exec, this.region, exec.events.length + 1);
    builder.push(now, "ExecutionRedriven", {
      executionRedrivenEventDetails: { redriveCount: exec.redriveCount },
    });
    builder.unfold(script, now, exec.input, false);
    if (clientToken !== undefined) {
      exec.redriveTokens.push({ token: clientToken, at: now, redriveDate: now });
      exec.redriveTokens.splice(0, Math.max(0, exec.redriveTokens.length - REDRIVE_TOKENS_KEPT));
    }
    return { redriveDate: seconds(now) };
  }

  private listExecutions(input: Record<string, unknown>, now: number): unknown {
    const smArn = optionalString(input, "stateMachineArn");
    if (optionalString(input, "mapRunArn") !== undefined) {
      throw validation("mapRunArn is not modelled by the local endpoint; list by stateMachineArn");
    }
    if (smArn === undefined) {
      throw validation(
        "Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null",
      );
    }
    const machine = this.machineFor(smArn);
    const statusFilter = optionalString(input, "statusFilter");
    if (statusFilter !== undefined && !LIST_STATUSES.includes(statusFilter as ExecutionStatus)) {
      throw validation(
        `Value '${statusFilter}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${LIST_STATUSES.join(", ")}]`,
      );
    }
    const redriveFilter = optionalString(input, "redriveFilter");
    if (redriveFilter !== undefined && redriveFilter !== "REDRIVEN" && redriveFilter !== "NOT_REDRIVEN") {
      throw validation(
        `Value '${redriveFilter}' at 'redriveFilter' failed to satisfy constraint: Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]`,
      );
    }
    const maxResults = optionalInteger(input, "maxResults") ?? 0;
    if (maxResults < 0 || maxResults > MAX_LIST_PAGE) {
      throw validation(
        `Value '${maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value ${maxResults < 0 ? "greater than or equal to 0" : `less than or equal to ${MAX_LIST_PAGE}`}`,
      );
    }
    const pageSize = maxResults === 0 ? DEFAULT_LIST_PAGE : maxResults;
    // Newest first; executions started at the same instant, the later-created first.
    const listed = [...this.execs.values()]
      .filter((e) => e.machine === machine)
      .reverse()
      .sort((a, b) => b.startAt - a.startAt)
      .filter((e) => statusFilter === undefined || statusAt(e, now) === statusFilter)
      .filter(
        (e) =>
          redriveFilter === undefined ||
          (redriveFilter === "REDRIVEN" ? e.redriveCount > 0 : e.redriveCount === 0),
      );
    let rest = listed;
    const tokenText = optionalString(input, "nextToken");
    if (tokenText !== undefined) {
      const token = this.listTokens.get(tokenText);
      // A token continues only the listing it came from: same machine, same filters.
      if (
        !token ||
        token.stateMachineArn !== machine.arn ||
        token.statusFilter !== statusFilter ||
        token.redriveFilter !== redriveFilter
      ) {
        throw new AwsFault("InvalidToken", `Invalid Token: '${tokenText}'`);
      }
      if (now - token.issuedAt > TOKEN_TTL_MS)
        throw new AwsFault("InvalidToken", "Invalid Token: 'Token expired'");
      // Continue after the last one returned; executions started since come before it and are not repeated.
      const anchorIndex = listed.findIndex((e) => e.arn === token.anchorArn);
      rest = anchorIndex >= 0 ? listed.slice(anchorIndex + 1) : [];
    }
    const page = rest.slice(0, pageSize);
    const out: Record<string, unknown> = { executions: page.map((e) => listItem(e, now)) };
    const last = page.at(-1);
    if (rest.length > pageSize && last) {
      const token = opaqueToken();
      const entry: ListToken = { stateMachineArn: machine.arn, anchorArn: last.arn, issuedAt: now };
      if (statusFilter !== undefined) entry.statusFilter = statusFilter;
      if (redriveFilter !== undefined) entry.redriveFilter = redriveFilter;
      this.listTokens.set(token, entry);
      out.nextToken = token;
    }
    return out;
  }

  private pickedScript(stateMachineArn: string, name: string, input: string): ExecutionScript | undefined {
    const script = this.pickers.get(stateMachineArn)?.(name, input);
    if (script) checkScript(script);
    return script;
  }

  // -- lookups ---------------------------------------------------------------

  private machineFor(arn: string): StateMachine {
    assertArnOf(arn, "stateMachine");
    const machine = this.machines.get(arn) ?? this.qualified.get(arn)?.machine;
    if (!machine) throw new AwsFault("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private execFor(arn: string): Execution {
    assertArnOf(arn, "execution");
    const exec = this.execs.get(arn);
    if (!exec) throw executionDoesNotExist(arn);
    return exec;
  }
}

// ---------------------------------------------------------------------------
// Timeline construction

/** Appends events to an execution, numbering them and stamping the ending. */
class TimelineBuilder {
  private nextId: number;

  constructor(
    private readonly exec: Execution,
    private readonly region: string,
    firstId: number,
  ) {
    this.nextId = firstId;
  }

  push(at: number, type: string, details: Record<string, unknown> = {}, previousEventId?: number): number {
    const id = this.nextId++;
    this.exec.events.push({ id, at, type, previousEventId: previousEventId ?? id - 1, details });
    return id;
  }

  /**
   * Lays out `script` from `startAt`. `fresh` is true for a new execution (its
   * first state entered has previousEventId 0, as AWS records it) and false
   * for the continuation after a redrive.
   */
  unfold(script: ExecutionScript, startAt: number, input: string, fresh: boolean): void {
    const spans = this.exec.segment.spans;
    const { outcome } = script;
    const failure = typeof outcome === "object" ? outcome.fail : undefined;
    const lastIndex = failure
      ? script.states.findIndex((s) => s.name === failure.state)
      : script.states.length - 1;
    let t = startAt;
    let data = input;
    for (let i = 0; i <= lastIndex; i += 1) {
      const state = script.states[i] as ScriptedState;
      const firstPrev = fresh && i === 0 ? 0 : undefined;
      const open = outcome === "TIMED_OUT" || outcome === "NEVER_ENDS";
      const mode: StateMode =
        failure && i === lastIndex ? "fail" : open && i === lastIndex ? "open" : "complete";
      const failing = mode === "fail" && failure ? this.resolveFailure(failure, state) : failure;
      const end = this.state(state, t, data, firstPrev, mode, failing);
      spans.push({ index: i, startAt: t, endAt: mode === "open" ? Number.POSITIVE_INFINITY : end });
      if (mode === "complete") {
        data = state.output === undefined ? data : JSON.stringify(state.output);
        t = end;
        continue;
      }
      if (mode === "fail" && failing) {
        this.finishFailed(failing, end, i);
        return;
      }
      if (outcome === "TIMED_OUT") {
        const at = t + state.durationMs;
        this.push(at, "ExecutionTimedOut", { executionTimedOutEventDetails: {} });
        this.finish(at, { status: "TIMED_OUT", unsuccessfulIndex: i });
      }
      return;
    }
    if (outcome === "TIMED_OUT" || outcome === "NEVER_ENDS") {
      // No states to leave open: NEVER_ENDS just stays RUNNING, TIMED_OUT expires now.
      if (outcome === "TIMED_OUT") {
        this.push(t, "ExecutionTimedOut", { executionTimedOutEventDetails: {} });
        this.finish(t, { status: "TIMED_OUT" });
      }
      return;
    }
    const output = script.output === undefined ? data : JSON.stringify(script.output);
    this.push(t, "ExecutionSucceeded", {
      executionSucceededEventDetails: { output, outputDetails: { truncated: false } },
    });
    this.finish(t, { status: "SUCCEEDED", output });
  }

  /** The final failure with its cause built for the attempt that fails it. */
  private resolveFailure(failure: ScriptedFailure, state: ScriptedState): ScriptedFailure {
    if (!failure.causeFor) return failure;
    const task = submittedTaskOf(this.exec.arn, state, state.failedAttempts?.length ?? 0);
    return task ? { ...failure, cause: failure.causeFor(task) } : failure;
  }

  private finishFailed(failure: ScriptedFailure, at: number, index: number): void {
    let error = failure.error;
    let cause = failure.cause;
    if (failure.catchTo) {
      // A Fail state is entered but never exited, and has no TaskStateEntered.
      error = failure.failStateError ?? error;
      cause = failure.failStateCause ?? cause;
      this.push(at, "FailStateEntered", {
        stateEnteredEventDetails: {
          name: failure.catchTo,
          input: JSON.stringify({ Error: failure.error, Cause: failure.cause }),
          inputDetails: { truncated: false },
        },
      });
    }
    this.push(at, "ExecutionFailed", { executionFailedEventDetails: { error, cause } });
    this.finish(at, { status: "FAILED", error, cause, unsuccessfulIndex: index });
  }

  private finish(at: number, ending: Ending): void {
    this.exec.endAt = at;
    this.exec.ending = ending;
  }

  /** Emits one state's events; returns when it is exited (or its final attempt fails). */
  private state(
    state: ScriptedState,
    t0: number,
    input: string,
    firstPrev: number | undefined,
    mode: StateMode,
    failure: ScriptedFailure | undefined,
  ): number {
    const type = state.type ?? "Task";
    const output = state.output === undefined ? input : JSON.stringify(state.output);
    const entered = (at: number, kind: string) =>
      this.push(
        at,
        `${kind}StateEntered`,
        { stateEnteredEventDetails: { name: state.name, input, inputDetails: { truncated: false } } },
        firstPrev,
      );
    const exited = (at: number, kind: string) =>
      this.push(at, `${kind}StateExited`, {
        stateExitedEventDetails: { name: state.name, output, outputDetails: { truncated: false } },
      });
    switch (type) {
      case "Task":
        return this.task(state, t0, input, output, firstPrev, mode, failure);
      case "Map":
        return this.map(state, t0, input, output, firstPrev, mode);
      default: {
        entered(t0, type);
        if (mode === "open") return Number.POSITIVE_INFINITY;
        // Only Wait takes time; Pass, Choice and Succeed pass through at once.
        const end = type === "Wait" ? t0 + state.durationMs : t0;
        exited(end, type);
        return end;
      }
    }
  }

  private task(
    state: ScriptedState,
    t0: number,
    input: string,
    output: string,
    firstPrev: number | undefined,
    mode: StateMode,
    failure: ScriptedFailure | undefined,
  ): number {
    const res = parseResource(state.resource ?? GLUE_SYNC_RESOURCE);
    const parameters = JSON.stringify(state.parameters ?? defaultParameters(res, state.name));
    const ids = { resourceType: res.resourceType, resource: res.resource };
    this.push(
      t0,
      "TaskStateEntered",
      { stateEnteredEventDetails: { name: state.name, input, inputDetails: { truncated: false } } },
      firstPrev,
    );
    let t = t0;
    let attempt = 0;
    // Each attempt is Scheduled/Started/Submitted then Succeeded or Failed; a
    // retry starts over at TaskScheduled, never re-entering the state.
    // A legacy Lambda Task writes LambdaFunction* events: the resource as it is, no Parameters.
    const legacy = res.legacyFunction;
    const failedType = legacy ? "LambdaFunctionFailed" : "TaskFailed";
    const failedDetails = (error: string, cause: string) =>
      legacy
        ? { lambdaFunctionFailedEventDetails: { error, cause } }
        : { taskFailedEventDetails: { ...ids, error, cause } };
    const begin = (duration: number) => {
      const gap = Math.min(50, duration / 10);
      if (legacy) {
        this.push(t, "LambdaFunctionScheduled", {
          lambdaFunctionScheduledEventDetails: {
            resource: legacy,
            input,
            inputDetails: { truncated: false },
          },
        });
        this.push(t + gap, "LambdaFunctionStarted", {});
        return;
      }
      this.push(t, "TaskScheduled", {
        taskScheduledEventDetails: { ...ids, region: this.region, parameters },
      });
      this.push(t + gap, "TaskStarted", { taskStartedEventDetails: ids });
      if (res.sync) {
        this.push(t + 2 * gap, "TaskSubmitted", {
          taskSubmittedEventDetails: {
            ...ids,
            output: JSON.stringify(submittedOutput(res, state, this.exec.arn, attempt)),
            outputDetails: { truncated: false },
          },
        });
      }
    };
    for (const failed of state.failedAttempts ?? []) {
      const duration = failed.durationMs ?? state.durationMs;
      begin(duration);
      t += duration;
      const task = failed.causeFor ? submittedTaskOf(this.exec.arn, state, attempt) : undefined;
      const cause = task && failed.causeFor ? failed.causeFor(task) : failed.cause;
      this.push(t, failedType, failedDetails(failed.error, cause));
      t += failed.retryIntervalMs ?? 0;
      attempt += 1;
    }
    begin(state.durationMs);
    if (mode === "open") return Number.POSITIVE_INFINITY;
    const submittedAt = t + 2 * Math.min(50, state.durationMs / 10);
    t += state.durationMs;
    if (mode === "fail" && failure) {
      this.push(t, failedType, failedDetails(failure.error, failure.cause));
      if (failure.catchTo) {
        // The Catch's default ResultPath replaces the state's output with the error object.
        const caught = JSON.stringify({ Error: failure.error, Cause: failure.cause });
        this.push(t, "TaskStateExited", {
          stateExitedEventDetails: { name: state.name, output: caught, outputDetails: { truncated: false } },
        });
      }
      return t;
    }
    const succeeded = JSON.stringify(
      succeededOutput(res, state, this.exec.arn, attempt, { submittedAt, endedAt: t }),
    );
    if (legacy) {
      this.push(t, "LambdaFunctionSucceeded", {
        lambdaFunctionSucceededEventDetails: { output: succeeded, outputDetails: { truncated: false } },
      });
    } else {
      this.push(t, "TaskSucceeded", {
        taskSucceededEventDetails: { ...ids, output: succeeded, outputDetails: { truncated: false } },
      });
    }
    this.push(t, "TaskStateExited", {
      stateExitedEventDetails: { name: state.name, output, outputDetails: { truncated: false } },
    });
    return t;
  }

  private map(
    state: ScriptedState,
    t0: number,
    input: string,
    output: string,
    firstPrev: number | undefined,
    mode: StateMode,
  ): number {
    const n = state.iterations ?? 0;
    const inner = state.iteratorState ?? "ProcessItem";
    this.push(
      t0,
      "MapStateEntered",
      { stateEnteredEventDetails: { name: state.name, input, inputDetails: { truncated: false } } },
      firstPrev,
    );
    const started = this.push(t0, "MapStateStarted", { mapStateStartedEventDetails: { length: n } });
    const step = n > 0 ? state.durationMs / n : 0;
    let lastIteration = started;
    for (let index = 0; index < n; index += 1) {
      const at = t0 + step * index;
      const end = t0 + step * (index + 1);
      const item = JSON.stringify({ index });
      const it = this.push(
        at,
        "MapIterationStarted",
        { mapIterationStartedEventDetails: { name: state.name, index } },
        started,
      );
      const entered = this.push(
        at,
        "PassStateEntered",
        { stateEnteredEventDetails: { name: inner, input: item, inputDetails: { truncated: false } } },
        it,
      );
      const exited = this.push(
        end,
        "PassStateExited",
        { stateExitedEventDetails: { name: inner, output: item, outputDetails: { truncated: false } } },
        entered,
      );
      if (mode === "open" && index === n - 1) return Number.POSITIVE_INFINITY;
      lastIteration = this.push(
        end,
        "MapIterationSucceeded",
        { mapIterationSucceededEventDetails: { name: state.name, index } },
        exited,
      );
    }
    if (mode === "open") return Number.POSITIVE_INFINITY;
    const end = t0 + state.durationMs;
    this.push(end, "MapStateSucceeded", {}, lastIteration);
    this.push(end, "MapStateExited", {
      stateExitedEventDetails: { name: state.name, output, outputDetails: { truncated: false } },
    });
    return end;
  }
}

type StateMode = "complete" | "fail" | "open";

// ---------------------------------------------------------------------------
// Helpers

function statusAt(exec: Execution, now: number): ExecutionStatus {
  return exec.ending && now >= exec.endAt ? exec.ending.status : "RUNNING";
}

const RUN_STARTS = new Set(["ExecutionStarted", "ExecutionRedriven"]);
const RUN_ENDS = new Set(["ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"]);

/** An ExecutionListItem of ListExecutions. */
function listItem(exec: Execution, now: number): Record<string, unknown> {
  const status = statusAt(exec, now);
  const item: Record<string, unknown> = {
    executionArn: exec.arn,
    stateMachineArn: exec.machine.arn,
    name: exec.name,
    status,
    startDate: seconds(exec.startAt),
    redriveCount: exec.redriveCount,
  };
  if (status !== "RUNNING") item.stopDate = seconds(exec.endAt);
  if (exec.redriveDate !== undefined) item.redriveDate = seconds(exec.redriveDate);
  return item;
}

/** The state in progress at `now` (or the next to start), as an index into the segment's states. */
function spanAt(spans: StateSpan[], now: number): number | undefined {
  const current = spans.find((s) => s.startAt <= now && now < s.endAt);
  return (current ?? spans.find((s) => s.startAt > now))?.index;
}

function notRedrivableReason(exec: Execution, now: number): string | undefined {
  const status = statusAt(exec, now);
  if (status === "RUNNING") return "Execution is RUNNING and cannot be redriven";
  if (status === "SUCCEEDED") return "Execution is SUCCEEDED and cannot be redriven";
  if (now - exec.endAt > REDRIVE_WINDOW_MS) return "Execution redrivable period exceeded";
  if (exec.events.length >= HISTORY_EVENT_LIMIT - 1) return "Execution history event limit exceeded";
  return undefined;
}

/**
 * What a redrive runs when no script is queued: the unsuccessful state again,
 * now succeeding at once, then the states after it as scripted.
 */
function remainderOf(script: ExecutionScript, from: number | undefined): ExecutionScript {
  const states = script.states.slice(from ?? script.states.length).map((s) => {
    const { failedAttempts: _dropped, ...rest } = s;
    return rest;
  });
  const out: ExecutionScript = { states, outcome: "SUCCEEDED" };
  if (script.output !== undefined) out.output = script.output;
  return out;
}

function view(exec: Execution, now: number): ExecutionView {
  const status = statusAt(exec, now);
  const ended = status !== "RUNNING" && exec.ending;
  const out: ExecutionView = {
    executionArn: exec.arn,
    stateMachineArn: exec.machine.arn,
    name: exec.name,
    status,
    startDate: exec.startAt,
    input: exec.input,
    redriveCount: exec.redriveCount,
    timeline: exec.events.map((e) => ({ ...e })),
    visibleEvents: exec.events.filter((e) => e.at <= now).length,
  };
  if (ended) {
    out.stopDate = exec.endAt;
    if (ended.output !== undefined) out.output = ended.output;
    if (ended.error !== undefined) out.error = ended.error;
    if (ended.cause !== undefined) out.cause = ended.cause;
  }
  if (exec.redriveDate !== undefined) out.redriveDate = exec.redriveDate;
  return out;
}

const DATA_FIELDS = ["input", "inputDetails", "output", "outputDetails"];

function renderEvent(e: StoredEvent, includeData: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    timestamp: seconds(e.at),
    type: e.type,
    id: e.id,
    previousEventId: e.previousEventId,
  };
  for (const [key, value] of Object.entries(e.details)) {
    if (includeData || !value || typeof value !== "object") {
      out[key] = value;
      continue;
    }
    // includeExecutionData=false drops inputs and outputs, keeping the rest of the details.
    out[key] = Object.fromEntries(Object.entries(value).filter(([k]) => !DATA_FIELDS.includes(k)));
  }
  return out;
}

interface ParsedResource {
  resourceType: string;
  resource: string;
  sync: boolean;
  /** A legacy Lambda Task (`Resource` = the function's ARN): LambdaFunction* events, no Parameters. */
  legacyFunction?: string;
}

function parseResource(arn: string): ParsedResource {
  const legacy = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/.exec(
    arn,
  );
  if (legacy) return { resourceType: "lambda", resource: arn, sync: false, legacyFunction: arn };
  const m = /^arn:aws[a-z-]*:states:::([a-z0-9-]+):(.+)$/.exec(arn);
  if (!m) throw new Error(`fake sfn: unsupported task resource ${arn} (use an optimized integration ARN)`);
  const resource = m[2] as string;
  return {
    resourceType: m[1] as string,
    resource,
    sync: resource.endsWith(".sync") || resource.endsWith(".sync:2"),
  };
}

function defaultParameters(res: ParsedResource, stateName: string): Record<string, unknown> {
  if (res.resourceType === "lambda") return { FunctionName: stateName, Payload: {} };
  if (res.resourceType === "batch") {
    return { JobName: stateName, JobQueue: "job-queue", JobDefinition: "job-definition" };
  }
  return { JobName: stateName };
}

function digest(...parts: Array<string | number>): string {
  return createHash("sha256").update(parts.join("|")).digest("hex");
}

/** The request id of a Lambda invocation the fake made for a state's attempt (0-based). */
export function lambdaRequestIdOf(execArn: string, state: string, attempt: number): string {
  return batchJobId(execArn, state, attempt + 2000);
}

function batchJobId(execArn: string, state: string, attempt: number): string {
  const h = digest(execArn, state, attempt);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function jobName(state: ScriptedState): string {
  const name = state.parameters?.JobName;
  return typeof name === "string" ? name : state.name;
}

/** The Glue run or Batch job a task attempt submits; undefined for other integrations. */
export function submittedTaskOf(
  execArn: string,
  state: ScriptedState,
  attempt: number,
): SubmittedTask | undefined {
  const res = parseResource(state.resource ?? GLUE_SYNC_RESOURCE);
  const base = { state: state.name, attempt, jobName: jobName(state) };
  if (res.resourceType === "glue") {
    return { kind: "glue", ...base, jobRunId: `jr_${digest(execArn, state.name, attempt)}` };
  }
  if (res.resourceType === "lambda") {
    const named = res.legacyFunction ?? String(state.parameters?.FunctionName ?? state.name);
    const parts = named.split(":");
    const at = parts.indexOf("function");
    const [functionName = named, qualifier] = at >= 0 ? parts.slice(at + 1) : parts;
    return {
      kind: "lambda",
      ...base,
      jobName: functionName,
      functionName,
      ...(qualifier ? { qualifier } : {}),
      requestId: lambdaRequestIdOf(execArn, state.name, attempt),
    };
  }
  if (res.resourceType !== "batch") return undefined;
  const jobId = batchJobId(execArn, state.name, attempt);
  const [, , , region = "", account = ""] = execArn.split(":");
  const definition = state.parameters?.JobDefinition;
  // `arn:...:job-definition/NAME:REV` or `NAME:REV` or `NAME`: the stream is named after NAME.
  const definitionName = (typeof definition === "string" ? definition : "job-definition")
    .replace(/^.*job-definition\//, "")
    .replace(/:\d+$/, "");
  const ecsTaskId = digest(execArn, state.name, attempt, "ecs-task").slice(0, 32);
  return {
    kind: "batch",
    ...base,
    jobId,
    jobArn: `arn:aws:batch:${region}:${account}:job/${jobId}`,
    logStreamName: `${definitionName}/default/${ecsTaskId}`,
  };
}

/**
 * What the integration's start call returned (StartJobRun / SubmitJob
 * response), as Step Functions records it in TaskSubmitted: the service's
 * response plus the SDK's HTTP metadata.
 */
function submittedOutput(
  res: ParsedResource,
  state: ScriptedState,
  execArn: string,
  attempt: number,
): unknown {
  const task = submittedTaskOf(execArn, state, attempt);
  if (!task) return {};
  const requestId = batchJobId(execArn, state.name, attempt + 1000);
  const metadata = {
    SdkHttpMetadata: {
      AllHttpHeaders: {
        "x-amzn-RequestId": [requestId],
        "Content-Type": [res.resourceType === "glue" ? "application/x-amz-json-1.1" : "application/json"],
      },
      HttpHeaders: { "x-amzn-RequestId": requestId },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
  };
  if (task.kind === "glue") return { JobRunId: task.jobRunId, ...metadata };
  return { JobArn: task.jobArn, JobId: task.jobId, JobName: task.jobName, ...metadata };
}

/** The Batch fake's default time from submission to RUNNING (at most a quarter of the attempt). */
export const BATCH_STARTUP_MS = 20_000;

/**
 * What the `.sync` integration returns on success: GetJobRun's JobRun for
 * Glue, DescribeJobs' JobDetail for Batch, with the fields the API references
 * document (PascalCase, epoch-millisecond dates, as Step Functions records
 * them). A Glue run bills ExecutionTime (whole seconds) on 10 G.1X workers; a
 * Batch job asks for 4 vCPUs and 16 GiB (resourceRequirements) and runs one
 * attempt from RUNNING to its end. `state.job` overrides any field.
 */
function succeededOutput(
  res: ParsedResource,
  state: ScriptedState,
  execArn: string,
  attempt: number,
  times: { submittedAt: number; endedAt: number },
): unknown {
  const { submittedAt, endedAt } = times;
  if (res.resourceType === "lambda") {
    // The legacy Task's output is the function's payload; lambda:invoke's is the Invoke answer around it.
    const payload = state.output ?? {};
    if (res.legacyFunction) return payload;
    const requestId = submittedTaskOf(execArn, state, attempt)?.requestId;
    return {
      ExecutedVersion: "$LATEST",
      Payload: payload,
      SdkHttpMetadata: {
        AllHttpHeaders: { "X-Amz-Executed-Version": ["$LATEST"], "x-amzn-RequestId": [requestId] },
        HttpHeaders: { "X-Amz-Executed-Version": "$LATEST", "x-amzn-RequestId": requestId },
        HttpStatusCode: 200,
      },
      SdkResponseMetadata: { RequestId: requestId },
      StatusCode: 200,
    };
  }
  if (res.resourceType === "glue") {
    const seconds = Math.round((endedAt - submittedAt) / 1000);
    return {
      AllocatedCapacity: 10,
      Arguments: {},
      Attempt: 0,
      CompletedOn: endedAt,
      ExecutionTime: seconds,
      GlueVersion: "4.0",
      Id: `jr_${digest(execArn, state.name, attempt)}`,
      JobName: jobName(state),
      JobRunState: "SUCCEEDED",
      LastModifiedOn: endedAt,
      LogGroupName: "/aws-glue/jobs",
      MaxCapacity: 10,
      NumberOfWorkers: 10,
      PredecessorRuns: [],
      StartedOn: submittedAt,
      Timeout: 2880,
      WorkerType: "G.1X",
      ...state.job,
    };
  }
  if (res.resourceType === "batch") {
    const task = submittedTaskOf(execArn, state, attempt);
    const runningAt = submittedAt + Math.min(BATCH_STARTUP_MS, (endedAt - submittedAt) / 4);
    const [, , , region = "", account = ""] = execArn.split(":");
    return {
      Attempts: [
        {
          Container: { ExitCode: 0, LogStreamName: task?.logStreamName, NetworkInterfaces: [] },
          StartedAt: runningAt,
          StatusReason: "Essential container in task exited",
          StoppedAt: endedAt,
        },
      ],
      Container: {
        Command: ["python", "score.py"],
        Environment: [],
        ExitCode: 0,
        Image: `${account}.dkr.ecr.${region}.amazonaws.com/batch-inference:latest`,
        LogStreamName: task?.logStreamName,
        ResourceRequirements: [
          { Type: "VCPU", Value: "4" },
          { Type: "MEMORY", Value: "16384" },
        ],
      },
      CreatedAt: submittedAt,
      DependsOn: [],
      JobArn: task?.jobArn,
      JobDefinition: String(state.parameters?.JobDefinition ?? "job-definition"),
      JobId: task?.jobId,
      JobName: jobName(state),
      JobQueue: String(state.parameters?.JobQueue ?? "job-queue"),
      Parameters: {},
      PlatformCapabilities: ["EC2"],
      StartedAt: runningAt,
      Status: "SUCCEEDED",
      StatusReason: "Essential container in task exited",
      StoppedAt: endedAt,
      Tags: {},
      ...state.job,
    };
  }
  return {};
}

function definitionFor(script: ExecutionScript): string {
  const failure = typeof script.outcome === "object" ? script.outcome.fail : undefined;
  const states: Record<string, unknown> = {};
  script.states.forEach((s, i) => {
    const next = script.states[i + 1];
    const type = s.type ?? "Task";
    const body: Record<string, unknown> = { Type: type };
    if (type === "Task") {
      body.Resource = s.resource ?? GLUE_SYNC_RESOURCE;
      const res = parseResource(s.resource ?? GLUE_SYNC_RESOURCE);
      if (!res.legacyFunction) body.Parameters = s.parameters ?? defaultParameters(res, s.name);
      if (s.failedAttempts?.length) {
        body.Retry = [{ ErrorEquals: ["States.ALL"], MaxAttempts: s.failedAttempts.length + 1 }];
      }
      if (failure?.catchTo && failure.state === s.name) {
        body.Catch = [{ ErrorEquals: ["States.ALL"], Next: failure.catchTo }];
      }
    }
    if (type === "Wait") body.Seconds = Math.round(s.durationMs / 1000);
    if (type !== "Succeed") {
      if (next) body.Next = next.name;
      else body.End = true;
    }
    states[s.name] = body;
  });
  if (failure?.catchTo)
    states[failure.catchTo] = { Type: "Fail", ErrorPath: "$.Error", CausePath: "$.Cause" };
  return JSON.stringify({ StartAt: script.states[0]?.name ?? "Done", States: states }, null, 2);
}

function checkScript(script: ExecutionScript): void {
  const { outcome } = script;
  if (typeof outcome === "object") {
    const failing = script.states.find((s) => s.name === outcome.fail.state);
    if (!failing)
      throw new Error(`fake sfn: script fails at '${outcome.fail.state}', which is not one of its states`);
    if ((failing.type ?? "Task") !== "Task")
      throw new Error("fake sfn: only a Task state can be scripted to fail");
  }
  for (const s of script.states) {
    if ((s.type ?? "Task") === "Task") parseResource(s.resource ?? GLUE_SYNC_RESOURCE);
  }
}

interface ParsedArn {
  resourceType: string;
}

/** Names in an ARN are any names the service accepted (`a+b`, `rerun-été`): ':' never occurs in one. */
function parseArn(arn: string): ParsedArn | undefined {
  const m =
    /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:(stateMachine|execution|express|activity):([^:]+)(?::([^:]+))?$/.exec(
      arn,
    );
  if (!m) return undefined;
  const names = [m[2], m[3]].filter((name): name is string => name !== undefined);
  if (!names.every((name) => [...name].length <= MAX_NAME_LENGTH && validExecutionName(name)))
    return undefined;
  return { resourceType: m[1] as string };
}

function invalidArn(arn: string): AwsFault {
  return new AwsFault("InvalidArn", `Invalid Arn: '${arn}'`);
}

function executionDoesNotExist(arn: string): AwsFault {
  return new AwsFault("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn}'`);
}

function checkLength(field: string, value: string, min: number, max: number): void {
  const length = [...value].length;
  if (length < min) {
    throw validation(
      `Value '${value}' at '${field}' failed to satisfy constraint: Member must have length greater than or equal to ${min}`,
    );
  }
  if (length > max) {
    throw validation(
      `Value '${value}' at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
    );
  }
}

const FORBIDDEN_NAME_CHARS = new Set(' <>{}[]?*"#%\\^|~`$&,;:/');

/** The character rules of the reference for execution names. */
function validExecutionName(name: string): boolean {
  for (const ch of name) {
    const code = ch.codePointAt(0) as number;
    if (FORBIDDEN_NAME_CHARS.has(ch) || /\s/u.test(ch)) return false;
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0xfffe || code === 0xffff) return false;
    if (code >= 0xd800 && code <= 0xdfff) return false;
  }
  return true;
}

function opaqueToken(): string {
  // Real tokens are long opaque strings; nothing in them may be relied upon.
  return Buffer.from(`${randomUUID()}${randomUUID()}`).toString("base64");
}

/** Epoch seconds with millisecond fraction: the awsJson wire format for timestamps. */
function seconds(ms: number): number {
  return ms / 1000;
}

/** InvalidArn, as Step Functions words it, for a malformed ARN or one of another resource type. */
function assertArnOf(arn: string, resourceType: "stateMachine" | "execution"): void {
  const parsed = parseArn(arn);
  if (!parsed) throw invalidArn(arn);
  if (parsed.resourceType !== resourceType) {
    throw new AwsFault(
      "InvalidArn",
      `Invalid Arn: 'Resource type not valid in this context: ${parsed.resourceType}'`,
    );
  }
}

import type { SFNClient } from "@aws-sdk/client-sfn";
import { consoleDomain } from "../aws/arn.js";
import type { AwsClients } from "../aws/clients.js";
import { loadLogs } from "../aws/load-logs.js";
import { consoleUrl } from "../aws/sfn.js";
import type { FollowOptions } from "../execution/follow.js";
import { stopAndReport } from "../execution/follow.js";
import type { ServiceDeps } from "../execution/service.js";
import { describeTaskFailure } from "../failure/describe.js";
import { failureBlockLines } from "../failure/failure-block.js";
import { SharedLogFollowing } from "../failure/follow-task-logs.js";
import type { TaskClients } from "../tasks/kind.js";
import { PRICED_UNITS } from "../tasks/registry.js";
import { type Prices, readPrices } from "../usage/prices.js";
import { HistoryWatch } from "../watch/history-watch.js";
import { StuckWatch } from "../watch/stuck-watch.js";
import { type CommandContext, labelsOf } from "./context.js";
import { CommandFrame, type FrameOptions } from "./frame.js";

/** The flags every following command shares, from their typed options. */
export interface FollowFlags extends FrameOptions, Omit<FollowOptions, "buildUrl"> {
  showSecrets: boolean;
  logLines: number;
  followLogs: boolean;
  prices?: string;
  history: number;
  maxApiRate: number;
  stuckAfter: number;
  onStuck: "warn" | "stop";
  /** --request-timeout: one attempt's bound; the failure's log tail gets two of them in all. */
  requestTimeout: number;
}

/** --prices FILE, read before anything starts: a bad file is exit 2 with one message. */
export async function pricesOption(
  options: Pick<FollowFlags, "prices">,
  ctx: CommandContext,
): Promise<Prices | undefined> {
  if (options.prices === undefined) return undefined;
  return readPrices(options.prices, PRICED_UNITS, labelsOf(ctx)("prices"));
}

export function followOptions(options: FollowFlags, ctx: CommandContext): FollowOptions {
  return {
    pollInterval: options.pollInterval,
    maxPollInterval: options.maxPollInterval,
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    stopOnTimeout: options.stopOnTimeout,
    onAbort: options.onAbort,
    abortTimeout: options.abortTimeout,
    ...(ctx.io.env.BUILD_URL ? { buildUrl: ctx.io.env.BUILD_URL } : {}),
  };
}

/** The frame with its reporters (REPORT_DOCUMENTS, masked at one choke point before they are serialised). */
export function openFrame(
  ctx: CommandContext,
  options: FrameOptions,
  shape: { several?: boolean; withoutPayloads?: boolean; command?: string } = {},
): Promise<CommandFrame> {
  return CommandFrame.open(ctx, options, {
    documents: {
      secrets: ctx.log.secrets,
      now: ctx.now,
      command: shape.command ?? "run",
      several: shape.several === true,
      // wait cannot tell SecureString values apart: its reports leave the payloads out.
      withoutPayloads: shape.withoutPayloads === true,
    },
    failureLines: (report) => (report.failure?.task ? failureBlockLines(report.failure.task) : []),
  });
}

/**
 * What one execution's service needs from the command: its client, clock,
 * sleep and interrupt, its emitter (with its label in a shared log), and,
 * for failures and --follow-logs, CloudWatch Logs.
 */
export function serviceDeps(setup: {
  client: SFNClient;
  clients: AwsClients;
  frame: CommandFrame;
  ctx: CommandContext;
  region: string;
  /** The state machine's account: log group ARNs in permission warnings name it. */
  account?: string;
  options: Pick<
    FollowFlags,
    | "logLines"
    | "followLogs"
    | "history"
    | "maxApiRate"
    | "stuckAfter"
    | "onStuck"
    | "abortTimeout"
    | "requestTimeout"
  >;
  label?: string;
  prices?: Prices;
}): ServiceDeps {
  const { client, clients, frame, ctx, region, options } = setup;
  const watch =
    options.history > 0
      ? sharedHistory(frame, ctx, client, options).forExecution(frame.emitFor(setup.label))
      : undefined;
  const watched = watch ? watch.onEvent : frame.emitFor(setup.label);
  const stuck = sharedStuck(frame, ctx, clients, region, options).forExecution(
    watched,
    async (executionArn, reason) => {
      await stopAndReport(
        executionArn,
        reason,
        ctx.now() + Math.max(options.abortTimeout, 10_000),
        { ...(ctx.io.env.BUILD_URL ? { buildUrl: ctx.io.env.BUILD_URL } : {}) },
        {
          client,
          stopClient: clients.sfnUrgent(region),
          region,
          now: ctx.now,
          sleep: frame.sleep,
          emit: watched,
        },
      );
    },
  );
  const emit = stuck.onEvent;
  const logs = () => clients.logs(region);
  const following = options.followLogs
    ? sharedFollowing(frame, ctx, logs, { batch: () => clients.batch(region) }).forExecution(
        setup.label,
        emit,
      )
    : undefined;
  return {
    client,
    stopClient: clients.sfnUrgent(region),
    secrets: ctx.log.secrets,
    now: ctx.now,
    sleep: frame.sleep,
    interrupt: frame.interrupt,
    emit,
    flushReports: () => frame.flush(),
    consoleUrl: (executionArn) => consoleUrl(region, executionArn, consoleDomain(region)),
    describeFailure: (failure, run) =>
      describeTaskFailure(failure, run, {
        region,
        logLines: options.logLines,
        logs,
        // The failure block must come: a log tail that does not answer gets two request
        // timeouts in all (a minute by default, the AWS CLI's read timeout), then is a warning.
        signal: AbortSignal.any([frame.interrupt, AbortSignal.timeout(2 * options.requestTimeout)]),
        ...(setup.account ? { account: setup.account } : {}),
      }),
    ...(setup.prices ? { prices: setup.prices } : {}),
    // The poll schedule polls densely around each state's expected end once the medians are read.
    ...(watch ? { expectations: () => watch.expectations() } : {}),
    onPoll: async (tracker) => {
      watch?.onPoll(tracker.running());
      await stuck.onPoll(tracker.running());
      await following?.onPoll(tracker.runs, ctx.now());
    },
    onFollowEnd: async (tracker) => {
      watch?.finish();
      await following?.finish(tracker.runs, frame.interrupt, tracker.terminal !== undefined);
    },
  };
}

/** One stuck watch per command: a backfill's Batch jobs share their DescribeJobs calls. */
const stuckWatches = new WeakMap<CommandFrame, StuckWatch>();
function sharedStuck(
  frame: CommandFrame,
  ctx: CommandContext,
  clients: AwsClients,
  region: string,
  options: Pick<FollowFlags, "stuckAfter" | "onStuck">,
): StuckWatch {
  let shared = stuckWatches.get(frame);
  if (!shared) {
    shared = new StuckWatch({
      stuckAfterMs: options.stuckAfter,
      onStuck: options.onStuck,
      now: ctx.now,
      batch: () => clients.batch(region),
      glue: async () => (await clients.preflight(region)).glue,
      api: loadLogs,
      signal: frame.interrupt,
    });
    stuckWatches.set(frame, shared);
  }
  return shared;
}

/** One --history read per command, however many executions of the machine it follows. */
const histories = new WeakMap<CommandFrame, HistoryWatch>();
function sharedHistory(
  frame: CommandFrame,
  ctx: CommandContext,
  client: SFNClient,
  options: Pick<FollowFlags, "history" | "maxApiRate">,
): HistoryWatch {
  let shared = histories.get(frame);
  if (!shared) {
    shared = new HistoryWatch({
      client,
      count: options.history,
      ratePerSecond: options.maxApiRate,
      now: ctx.now,
      sleep: frame.sleep,
      interrupt: frame.interrupt,
    });
    histories.set(frame, shared);
  }
  return shared;
}

/** One --follow-logs budget per command, however many executions share the log. */
const followers = new WeakMap<CommandFrame, SharedLogFollowing>();
function sharedFollowing(
  frame: CommandFrame,
  ctx: CommandContext,
  logs: () => ReturnType<AwsClients["logs"]>,
  taskClients: TaskClients,
): SharedLogFollowing {
  let shared = followers.get(frame);
  if (!shared) {
    shared = new SharedLogFollowing({
      logs,
      clients: taskClients,
      now: ctx.now,
      sleep: frame.sleep,
      emit: frame.emitFor(undefined),
    });
    followers.set(frame, shared);
  }
  return shared;
}

/** The calls made go in the result; a failure to write the reports must not hide how the command ended. */
export async function closeQuietly(
  frame: CommandFrame,
  clients: AwsClients | undefined,
  ctx: CommandContext,
): Promise<void> {
  frame.apiCalls = clients?.calls;
  try {
    await frame.close();
  } catch (error: unknown) {
    ctx.log.warn(`could not write the reports: ${(error as Error).message}`);
  }
}

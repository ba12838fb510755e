import type { SFNClient } from "@aws-sdk/client-sfn";
import { consoleDomain } from "../aws/arn.js";
import type { AwsClients } from "../aws/clients.js";
import { consoleUrl } from "../aws/sfn.js";
import type { FollowOptions } from "../execution/follow.js";
import type { ServiceDeps } from "../execution/service.js";
import { describeTaskFailure } from "../failure/describe.js";
import { failureBlockLines } from "../failure/failure-block.js";
import { SharedLogFollowing } from "../failure/follow-task-logs.js";
import type { TaskClients } from "../tasks/kind.js";
import { type Prices, readPrices } from "../usage/prices.js";
import { HistoryWatch } from "../watch/history-watch.js";
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
}

/** --prices FILE, read before anything starts: a bad file is exit 2 with one message. */
export async function pricesOption(
  options: Pick<FollowFlags, "prices">,
  ctx: CommandContext,
): Promise<Prices | undefined> {
  if (options.prices === undefined) return undefined;
  return readPrices(options.prices, labelsOf(ctx)("prices"));
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
  options: Pick<FollowFlags, "logLines" | "followLogs" | "history" | "maxApiRate">;
  label?: string;
  prices?: Prices;
}): ServiceDeps {
  const { client, clients, frame, ctx, region, options } = setup;
  const watch =
    options.history > 0
      ? sharedHistory(frame, ctx, client, options).forExecution(frame.emitFor(setup.label))
      : undefined;
  const emit = watch ? watch.onEvent : frame.emitFor(setup.label);
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
        signal: frame.interrupt,
        ...(setup.account ? { account: setup.account } : {}),
      }),
    ...(setup.prices ? { prices: setup.prices } : {}),
    onPoll: async (tracker) => {
      watch?.onPoll(tracker.running());
      await following?.onPoll(tracker.runs, ctx.now());
    },
    onFollowEnd: async (tracker) => {
      watch?.finish();
      await following?.finish(tracker.runs, frame.interrupt);
    },
  };
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

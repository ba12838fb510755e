import { join } from "node:path";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { afterAll, beforeAll, beforeEach, vi } from "vitest";
import type { SignalSource } from "../../src/commands/context.js";
import {
  type BatchService,
  createBatchService,
  createLogsService,
  createPreflightServices,
  createSfnService,
  createSsmService,
  createStsService,
  type FakeAws,
  type LogsService,
  type PreflightServices,
  provisionTasks,
  type SfnService,
  type SsmService,
  type StsService,
  seedPipelineResources,
  startFakeAws,
} from "../fake-aws/index.js";
import { SSM_PATH, seedParameterStore } from "../fake-aws/seed.js";
import { type CliResult, runInProcess } from "./cli.js";
import { SEED_DATE, seedSsm, seedWorkspace } from "./seed.js";

/** A signal source a test fires by hand, as Jenkins' SIGTERM would arrive. */
export class ManualSignals implements SignalSource {
  private handlers = new Set<(signal: "SIGINT" | "SIGTERM") => void>();
  onSignal(handler: (signal: "SIGINT" | "SIGTERM") => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }
  fire(signal: "SIGINT" | "SIGTERM"): void {
    for (const handler of [...this.handlers]) handler(signal);
  }
}

export interface FastWorld {
  fake: FakeAws;
  ssm: SsmService;
  sfn: SfnService;
  logs: LogsService;
  batch: BatchService;
  /** What preflight asks (Glue, S3, IAM, ...), holding the seed pipeline's resources. */
  preflight: PreflightServices;
  /** STS: AssumeRole for --assume-role, and the judge of expired sessions for every service. */
  sts: StsService;
  stateMachineArn: string;
  /** The virtual clock the fake AWS and the command share. */
  now(): number;
  /** Called after every injected sleep (e.g. to fire a signal once polling started). */
  onSleep?: () => void;
  signals: ManualSignals;
  /** The injected sleep: advances the virtual clock at once. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface FastRun extends CliResult {
  cwd: string;
}

/**
 * The whole CLI in-process against the local endpoint on a virtual clock: the
 * injected sleep advances the clock the fake Step Functions runs on, so an
 * hour-long pipeline takes milliseconds, and the real SDK clients still make
 * every HTTP call.
 */
export function useFastWorld(options: { start?: number } = {}): FastWorld {
  let t = options.start ?? Date.UTC(2023, 9, 14, 6, 0, 0);
  const clock = { now: () => t };
  const world = { now: clock.now, signals: new ManualSignals() } as FastWorld;
  beforeAll(async () => {
    world.ssm = createSsmService({ accountId: "731580992380", region: "ap-south-1" });
    world.sfn = createSfnService({ accountId: "731580992380", region: "ap-south-1", clock });
    world.logs = createLogsService({ accountId: "731580992380", region: "ap-south-1", clock });
    world.batch = createBatchService({ sfn: world.sfn, clock });
    seedParameterStore(world.ssm);
    world.preflight = createPreflightServices({ sfn: world.sfn });
    seedPipelineResources(world.preflight, world.batch, world.ssm);
    // Every machine a test adds comes with the jobs and functions its Tasks name.
    const addStateMachine = world.sfn.addStateMachine.bind(world.sfn);
    world.sfn.addStateMachine = (options) => {
      const arn = addStateMachine(options);
      provisionTasks(world.preflight, world.batch, options);
      return arn;
    };
    world.stateMachineArn = seedSsm().state_machine_arn as string;
    world.sts = createStsService({ accountId: "731580992380", clock });
    world.fake = await startFakeAws({
      services: [world.ssm, world.sfn, world.logs, world.batch, ...world.preflight.all],
      clock,
      sts: world.sts,
    });
    for (const [key, value] of Object.entries(world.fake.env({ region: "ap-south-1" })))
      vi.stubEnv(key, value);
  });
  beforeEach(() => {
    world.fake.faults.clear();
    world.fake.resetCalls();
    world.onSleep = undefined;
    world.signals = new ManualSignals();
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await world.fake?.close();
  });
  world.sleep = async (ms, signal) => {
    if (!signal.aborted) t += ms;
    world.onSleep?.();
    // Let the event loop breathe, as a real sleep would.
    await new Promise((resolve) => setImmediate(resolve));
  };
  return world;
}

let buildNumber = 0;
/** A fresh Jenkins build: its own BUILD_TAG, so its own execution name. */
export function nextBuildTag(): string {
  buildNumber += 1;
  return `jenkins-ml-batch-inference-${buildNumber}-${process.pid}`;
}

/** `batchinf <command> ...` in-process, in a seeded workspace, on the world's clock. */
export async function runFast(
  world: FastWorld,
  args: string[],
  options: { buildTag?: string; cwd?: string; env?: Record<string, string> } = {},
): Promise<FastRun> {
  const cwd = options.cwd ?? seedWorkspace();
  const [command = "run", ...rest] = args;
  const input =
    command === "run" || command === "backfill" || command === "preflight"
      ? ["--ssm-path", SSM_PATH, "--tfvars", join(cwd, "tfvars.json"), "--repo-dir", cwd]
      : [];
  const date = command === "run" || command === "preflight" ? ["--date", SEED_DATE] : [];
  const result = await runInProcess([command, ...input, ...date, ...rest], {
    env: {
      BUILD_TAG: options.buildTag ?? nextBuildTag(),
      BUILD_URL: "https://jenkins.example/job/ml/42/",
      ...options.env,
    },
    now: world.now,
    sleep: world.sleep,
    signals: world.signals,
    // The SDK's own backoff waits on the wall clock: keep its attempts, not its pauses.
    aws: { retryStrategy: new ConfiguredRetryStrategy(6, () => 5) },
  });
  return { ...result, cwd };
}

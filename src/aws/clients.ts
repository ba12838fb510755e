import type { BatchClient } from "@aws-sdk/client-batch";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { SFNClient, type SFNClientConfig } from "@aws-sdk/client-sfn";
import { SSMClient } from "@aws-sdk/client-ssm";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { Logger } from "../io/log.js";
import { ENDPOINT_NOTE, type EndpointNote } from "./endpoint-note.js";
import { loadLogs } from "./load-logs.js";
import type { PreflightClients } from "./preflight-clients.js";
import { assertProfileExists } from "./profile.js";
import { resolveRegion } from "./region.js";

export interface AwsSettings {
  region?: string;
  profile?: string;
  /** The input's region, the last resort for API calls. */
  tfvarsRegion?: string;
  /** A region the command's resource fixes, and why (`wait ARN`: "the execution ARN"); see resolveRegion. */
  known?: { region: string; why: string };
  /**
   * The SDK's retry strategy; default its adaptive mode. The caller injects
   * one (as it injects clock and sleep) where the SDK's wall-clock backoff
   * must not set the pace, e.g. tests on a virtual clock.
   */
  retryStrategy?: SFNClientConfig["retryStrategy"];
  /** `--request-timeout`: how long one attempt of any call may wait for its answer, in ms. */
  requestTimeout: number;
  /** --assume-role: every client uses this role's sessions, renewed before they expire. */
  assumeRole?: string;
  /** The clock session renewal follows (the command's; injected in tests). */
  now?: () => number;
}

export interface AwsClients {
  region: string;
  ssm(): SSMClient;
  /** A Step Functions client; `region` for a state machine that lives elsewhere. */
  sfn(region?: string): SFNClient;
  /**
   * A Step Functions client for the abort path (StopExecution and its
   * confirmation): every call there has a deadline of a few seconds, so a
   * throttle is retried at once and often rather than after the adaptive
   * backoff, which alone can outlast Jenkins' soft-kill window.
   */
  sfnUrgent(region?: string): SFNClient;
  /** A CloudWatch Logs client; its SDK (a bundle of its own) is loaded on the first call. */
  logs(region?: string): Promise<CloudWatchLogsClient>;
  /**
   * An AWS Batch client, for DescribeJobs while --follow-logs follows a Batch
   * task; its SDK rides in the CloudWatch Logs bundle, loaded on the first call.
   */
  batch(region?: string): Promise<BatchClient>;
  /**
   * The clients preflight calls (Glue, S3, DynamoDB, SNS, EventBridge, IAM,
   * Lambda, Batch, SSM); their SDKs (a bundle of their own) load on the first call.
   */
  preflight(region?: string): Promise<PreflightClients>;
  /** Operations called, by name (SDK retries not counted): for the result and the benchmark. */
  readonly calls: Record<string, number>;
}

/** Jenkins runs unattended: more attempts than the SDK's 3 before a throttle is fatal. */
const DEFAULT_MAX_ATTEMPTS = 6;
/** The abort path: many quick tries inside its deadline (the deadline, not the count, ends them). */
const URGENT_ATTEMPTS = 20;
const urgentBackoff = (attempt: number) => Math.min(400, 50 * 2 ** attempt);

/**
 * The one place AWS clients are built. Credentials, AWS_ENDPOINT_URL and
 * AWS_ENDPOINT_URL_<SERVICE> come from the SDK's own chain; retries use the
 * SDK's adaptive mode (client-side rate limiting on throttles) rather than a
 * hand-written loop. AWS_MAX_ATTEMPTS, when set, is the SDK's to read.
 */
export async function createAwsClients(
  settings: AwsSettings,
  log: Logger,
  env: Readonly<Record<string, string | undefined>>,
): Promise<AwsClients> {
  await assertProfileExists(settings.profile, env);
  const { region, why, ignored } = await resolveRegion({
    flag: settings.region,
    profile: settings.profile,
    tfvarsRegion: settings.tfvarsRegion,
    ...(settings.known ? { fixed: settings.known } : {}),
  });
  log.info(`AWS Region ${region}, from ${why}`);
  if (ignored) log.warn(ignored);
  if (env.AWS_ENDPOINT_URL) log.info(`AWS endpoint ${env.AWS_ENDPOINT_URL}, from AWS_ENDPOINT_URL`);
  const calls: Record<string, number> = {};
  const count = <C extends { middlewareStack: unknown }>(client: C): C => {
    countCalls(client.middlewareStack as unknown as MiddlewareAdder, calls);
    noteEndpointOnErrors(client.middlewareStack as unknown as MiddlewareAdder, settings.requestTimeout);
    return client;
  };
  // Every client is built from `common` and passes through `count`: each one,
  // a client added later too, gets the time bound and its calls counted.
  const settingsOfEveryClient = {
    region,
    requestHandler: boundedRequestHandler(settings.requestTimeout),
    ...(settings.profile ? { profile: settings.profile } : {}),
    ...(settings.retryStrategy
      ? { retryStrategy: settings.retryStrategy }
      : { retryMode: "adaptive", ...(env.AWS_MAX_ATTEMPTS ? {} : { maxAttempts: DEFAULT_MAX_ATTEMPTS }) }),
  };
  const common = {
    ...settingsOfEveryClient,
    ...(settings.assumeRole
      ? { credentials: await assumedRole(settings, settingsOfEveryClient, env, log, count) }
      : {}),
  };
  let ssm: SSMClient | undefined;
  const sfn = new Map<string, SFNClient>();
  const urgent = new Map<string, SFNClient>();
  const logs = new Map<string, Promise<CloudWatchLogsClient>>();
  const batch = new Map<string, Promise<BatchClient>>();
  const preflight = new Map<string, Promise<PreflightClients>>();
  const batchClient = (batchRegion: string) => {
    let client = batch.get(batchRegion);
    if (!client) {
      client = loadLogs().then(({ createBatchClient }) =>
        count(createBatchClient({ ...common, region: batchRegion })),
      );
      batch.set(batchRegion, client);
    }
    return client;
  };
  return {
    region,
    calls,
    ssm: () => {
      ssm ??= count(new SSMClient(common));
      return ssm;
    },
    sfn: (sfnRegion = region) => {
      let client = sfn.get(sfnRegion);
      if (!client) {
        client = count(new SFNClient({ ...common, region: sfnRegion }));
        sfn.set(sfnRegion, client);
      }
      return client;
    },
    sfnUrgent: (sfnRegion = region) => {
      let client = urgent.get(sfnRegion);
      if (!client) {
        const {
          retryMode: _mode,
          maxAttempts: _attempts,
          ...rest
        } = common as typeof common & {
          retryMode?: string;
          maxAttempts?: number;
        };
        client = count(
          new SFNClient({
            ...rest,
            region: sfnRegion,
            retryStrategy:
              settings.retryStrategy ?? new ConfiguredRetryStrategy(URGENT_ATTEMPTS, urgentBackoff),
          }),
        );
        urgent.set(sfnRegion, client);
      }
      return client;
    },
    logs: (logsRegion = region) => {
      let client = logs.get(logsRegion);
      if (!client) {
        client = loadLogs().then(({ createLogsClient }) =>
          count(createLogsClient({ ...common, region: logsRegion })),
        );
        logs.set(logsRegion, client);
      }
      return client;
    },
    batch: (batchRegion = region) => batchClient(batchRegion),
    preflight: (preflightRegion = region) => {
      let clients = preflight.get(preflightRegion);
      if (!clients) {
        // Their SDKs are a chunk of their own, parsed only when preflight runs.
        clients = Promise.all([import("./preflight-clients.js"), batchClient(preflightRegion)]).then(
          ([{ createPreflightClients }, batchForRegion]) =>
            createPreflightClients({ ...common, region: preflightRegion }, env, count, batchForRegion),
        );
        preflight.set(preflightRegion, clients);
      }
      return clients;
    },
  };
}

/**
 * --assume-role: one shared, self-renewing session for every client, its STS
 * client built with the same settings and counted like the others.
 */
async function assumedRole(
  settings: AwsSettings & { assumeRole?: string },
  clientConfig: Record<string, unknown> & { region: string },
  env: Readonly<Record<string, string | undefined>>,
  log: Logger,
  count: (client: { middlewareStack: unknown }) => unknown,
) {
  const { assumeRoleCredentials, roleSessionName } = await import("./credentials.js");
  const now = settings.now ?? Date.now;
  log.info(
    `AWS credentials: role ${settings.assumeRole} (--assume-role), renewed before each session expires`,
  );
  return assumeRoleCredentials({
    roleArn: settings.assumeRole as string,
    sessionName: roleSessionName(env.BUILD_TAG, now()),
    region: clientConfig.region,
    ...(settings.profile ? { profile: settings.profile } : {}),
    now,
    clientConfig,
    onStsClient: count,
  });
}

interface MiddlewareAdder {
  add(
    middleware: unknown,
    options: { step: "initialize" | "finalizeRequest"; name: string; priority?: "low" },
  ): void;
}

/** Connecting is quick even through a proxy; a dead route should not cost the whole request timeout. */
const MAX_CONNECT_TIMEOUT_MS = 10_000;

/**
 * One attempt may wait `requestTimeout` for its answer: a request that was
 * sent but never answered (a stalled NAT or proxy) ends in a TimeoutError,
 * which the SDK's retry strategy retries like a 5xx (it is one of its
 * transient errors) within its attempts. `throwOnRequestTimeout`: without it
 * this version of the handler only logs a warning. The socket timeout covers
 * an answer that stops halfway through its body.
 */
export function boundedRequestHandler(requestTimeout: number): NodeHttpHandler {
  return new NodeHttpHandler({
    connectionTimeout: Math.min(requestTimeout, MAX_CONNECT_TIMEOUT_MS),
    requestTimeout,
    throwOnRequestTimeout: true,
    socketTimeout: requestTimeout,
  });
}

/**
 * Inside the SDK's retries, per attempt: an error leaving the attempt is
 * marked with the host it was sent to, so "no answer from HOST" can be said
 * of whatever endpoint the SDK resolved (AWS_ENDPOINT_URL, a service's own
 * variable, or AWS's).
 */
function noteEndpointOnErrors(stack: MiddlewareAdder, requestTimeoutMs: number): void {
  stack.add(
    (next: (args: { request?: unknown }) => Promise<unknown>) => async (args: { request?: unknown }) => {
      try {
        return await next(args);
      } catch (error: unknown) {
        const request = args.request as { hostname?: string; port?: number } | undefined;
        if (error && typeof error === "object" && request?.hostname) {
          const note: EndpointNote = {
            host: `${request.hostname}${request.port ? `:${request.port}` : ""}`,
            requestTimeoutMs,
          };
          Object.defineProperty(error, ENDPOINT_NOTE, { value: note, configurable: true });
        }
        throw error;
      }
    },
    { step: "finalizeRequest", name: "batchinfEndpointNote", priority: "low" },
  );
}

/** Count each operation once per call, before retries (the initialize step runs once). */
function countCalls(stack: MiddlewareAdder, calls: Record<string, number>): void {
  stack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
      const name = String(context.commandName ?? "unknown").replace(/Command$/, "");
      calls[name] = (calls[name] ?? 0) + 1;
      return next(args);
    },
    { step: "initialize", name: "batchinfCallCounter" },
  );
}

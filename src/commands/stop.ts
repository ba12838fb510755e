import { readFile } from "node:fs/promises";
import { type AwsClients, createAwsClients } from "../aws/clients.js";
import { awsErrorName, awsFailure } from "../aws/errors.js";
import { describeExecution } from "../aws/sfn.js";
import type { OptionsOf } from "../cli-options.js";
import { EnvironmentError, ExitCode, InputError, toExit } from "../errors.js";
import { deadlineSignal } from "../execution/deadline.js";
import { type ExecutionRef, parseExecutionArn } from "../execution/state-machine.js";
import { type StopOutcome, stopWithin } from "../execution/stop.js";
import { maskedJson } from "../secrets/masked-json.js";
import type { CommandContext } from "./context.js";
import { realSleep } from "./frame.js";
import { assertStopTarget } from "./stop-target.js";

export type StopOptions = OptionsOf<"stop">;

/**
 * `batchinf stop ARN` or `batchinf stop --result-file FILE`: the Jenkinsfile's
 * `post { aborted }` fallback for a run killed before it could stop its
 * execution. Stops it once, with $BUILD_URL in the cause; an execution that
 * already ended is reported with its status, exit 0. A backfill's result file
 * names one execution per date: each one still running is stopped once, all
 * within --abort-timeout.
 */
export async function stopCommand(
  args: string[],
  options: StopOptions,
  ctx: CommandContext,
): Promise<number> {
  assertStopTarget(args, options);
  const named: Named[] =
    args[0] !== undefined
      ? [{ arn: args[0], possiblyStarted: false }]
      : await arnsFromResultFile(options.resultFile as string, ctx);
  if (named.length === 0) return ExitCode.ok;
  const refs = named.map(({ arn, possiblyStarted }) => {
    const ref = parseExecutionArn(arn);
    if (!ref) {
      throw new InputError(
        `'${arn}' is not a Step Functions execution ARN; expected arn:aws:states:<region>:<account>:execution:<state-machine>:<name>.`,
      );
    }
    return { ...ref, possiblyStarted };
  });
  const first = refs[0] as ExecutionRef;
  const clients = await createAwsClients(
    {
      region: options.region,
      profile: options.profile,
      assumeRole: options.assumeRole,
      now: ctx.now,
      known: { region: first.region, why: "the execution ARN" },
      requestTimeout: options.requestTimeout,
      ...ctx.aws,
    },
    ctx.log,
    ctx.io.env,
  );
  const deadline = ctx.now() + options.abortTimeout;
  // Every call, the look-ups too, fits in --abort-timeout: the build's post step must not hang.
  const budget = deadlineSignal(deadline, ctx.now, "--abort-timeout");
  // Every execution gets its stop, whatever happens to the others; each failure is said.
  const settled = await Promise.allSettled(
    refs.map((ref) => stopOne(clients, ref, { deadline, signal: budget.signal }, ctx)),
  ).finally(() => budget.dispose());
  const failures = settled.flatMap((result) =>
    result.status === "rejected" ? [result.reason as unknown] : [],
  );
  const outcomes = settled.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  if (failures.length > 0) {
    for (const failure of failures.slice(1)) ctx.log.error(toExit(failure).message);
    throw failures[0];
  }
  if (options.output === "json") {
    const body = outcomes.length === 1 ? outcomes[0] : { executions: outcomes };
    ctx.io.stdout(maskedJson({ ...body, apiCalls: clients.calls }, ctx.log.secrets));
  }
  return ExitCode.ok;
}

async function stopOne(
  clients: AwsClients,
  ref: ExecutionRef & { possiblyStarted: boolean },
  { deadline, signal }: { deadline: number; signal: AbortSignal },
  ctx: CommandContext,
): Promise<{ executionArn: string; status?: string; stopped: boolean }> {
  const { arn } = ref;
  const client = clients.sfn(ref.region);
  const buildUrl = ctx.io.env.BUILD_URL;
  const cause = `Stopped by batchinf stop${buildUrl ? ` in ${buildUrl}` : ""}`;
  const stopDeps = {
    client: clients.sfnUrgent(ref.region),
    region: ref.region,
    now: ctx.now,
    sleep: ctx.sleep ?? realSleep,
  };
  if (ref.possiblyStarted) {
    // Its StartExecution was never answered: it may exist, or its start may still land.
    const outcome = await stopWithin(arn, cause, deadline, { ...stopDeps, possiblyStarted: true });
    if (outcome.neverStarted) {
      ctx.log.info(
        `Execution ${arn} never started (its StartExecution did not take effect); nothing to stop.`,
      );
      return { executionArn: arn, status: "NOT_STARTED", stopped: false };
    }
    return reportStop(arn, outcome, ctx);
  }
  let status: string | undefined;
  try {
    status = (await describeExecution(client, arn, signal)).status;
  } catch (error: unknown) {
    if (awsErrorName(error) === "ExecutionDoesNotExist") {
      throw new EnvironmentError(`Execution ${arn} does not exist in ${ref.region}; nothing to stop.`, {
        cause: error,
      });
    }
    throw awsFailure(error, { operation: "states:DescribeExecution", region: ref.region, resource: arn });
  }
  if (status !== "RUNNING") {
    ctx.log.info(`Execution ${arn} already ended ${status ?? "?"}; nothing to stop.`);
    return { executionArn: arn, ...(status ? { status } : {}), stopped: false };
  }
  return reportStop(arn, await stopWithin(arn, cause, deadline, stopDeps), ctx);
}

function reportStop(
  arn: string,
  outcome: StopOutcome,
  ctx: CommandContext,
): { executionArn: string; status?: string; stopped: boolean } {
  if (outcome.confirmed && !outcome.sent) {
    const ended = outcome.execution?.status;
    ctx.log.info(`Execution ${arn} already ended ${ended ?? "?"}; nothing to stop.`);
    return { executionArn: arn, ...(ended ? { status: ended } : {}), stopped: false };
  }
  if (!outcome.sent) {
    throw new EnvironmentError(
      `${(outcome.problem ?? "StopExecution failed").replace(/\.$/, "")}; the execution is still running.`,
    );
  }
  // AWS accepted the stop: it took effect, whether or not a read confirmed it in time.
  const status = outcome.confirmed ? (outcome.execution?.status ?? "ABORTED") : "ABORTED";
  if (outcome.confirmed) ctx.log.info(`Stopped execution ${arn}: ${status}`);
  else ctx.log.warn(`StopExecution sent to ${arn}; ${outcome.problem ?? "not yet confirmed"}.`);
  return { executionArn: arn, status, stopped: true };
}

/** An execution to stop; `possiblyStarted`: the result says STARTING (its start was never answered). */
interface Named {
  arn: string;
  possiblyStarted: boolean;
}

/**
 * The executions a result file names: `executionArn` (run, wait), or each
 * result's (backfill). A run killed before it wrote the file, or before it
 * started anything, left nothing to stop.
 */
async function arnsFromResultFile(file: string, ctx: CommandContext): Promise<Named[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error: unknown) {
    if ((error as { code?: string }).code === "ENOENT") {
      ctx.log.info(
        `--result-file ${file} does not exist: the run ended before it started an execution; nothing to stop.`,
      );
      return [];
    }
    throw new InputError(
      `Cannot read the execution ARN from --result-file ${file}: ${(error as Error).message}.`,
      {
        cause: error,
      },
    );
  }
  type Entry = { executionArn?: unknown; status?: unknown };
  const record = (parsed ?? {}) as Entry & { results?: Entry[] };
  const entries = [record, ...(Array.isArray(record.results) ? record.results : [])];
  const arns = new Map<string, Named>();
  for (const entry of entries) {
    if (typeof entry?.executionArn !== "string" || arns.has(entry.executionArn)) continue;
    arns.set(entry.executionArn, {
      arn: entry.executionArn,
      possiblyStarted: entry.status === "STARTING",
    });
  }
  if (arns.size === 0) {
    ctx.log.info(
      `--result-file ${file} names no execution: the run ended before starting one; nothing to stop.`,
    );
  }
  return [...arns.values()];
}

import { readFile } from "node:fs/promises";
import { type AwsClients, createAwsClients } from "../aws/clients.js";
import { awsErrorName, awsFailure } from "../aws/errors.js";
import { describeExecution } from "../aws/sfn.js";
import type { OptionsOf } from "../cli-options.js";
import { EnvironmentError, ExitCode, InputError, toExit } from "../errors.js";
import { type ExecutionRef, parseExecutionArn } from "../execution/state-machine.js";
import { stopWithin } from "../execution/stop.js";
import type { CommandContext } from "./context.js";
import { realSleep } from "./frame.js";

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
  if (args[0] !== undefined && options.resultFile !== undefined) {
    throw new InputError("Give the execution ARN or --result-file FILE, not both.");
  }
  if (args[0] === undefined && options.resultFile === undefined) {
    throw new InputError(
      "Name the execution to stop: batchinf stop ARN, or batchinf stop --result-file FILE.",
    );
  }
  const arns =
    args[0] !== undefined ? [args[0]] : await arnsFromResultFile(options.resultFile as string, ctx);
  if (arns.length === 0) return ExitCode.ok;
  const refs = arns.map((arn) => {
    const ref = parseExecutionArn(arn);
    if (!ref) {
      throw new InputError(
        `'${arn}' is not a Step Functions execution ARN; expected arn:aws:states:<region>:<account>:execution:<state-machine>:<name>.`,
      );
    }
    return ref;
  });
  const first = refs[0] as ExecutionRef;
  const clients = await createAwsClients(
    {
      region: options.region,
      profile: options.profile,
      known: { region: first.region, why: "the execution ARN" },
      ...ctx.aws,
    },
    ctx.log,
    ctx.io.env,
  );
  const deadline = ctx.now() + options.abortTimeout;
  // Every execution gets its stop, whatever happens to the others; each failure is said.
  const settled = await Promise.allSettled(refs.map((ref) => stopOne(clients, ref, deadline, ctx)));
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
    ctx.io.stdout(`${JSON.stringify({ ...body, apiCalls: clients.calls }, null, 2)}\n`);
  }
  return ExitCode.ok;
}

async function stopOne(
  clients: AwsClients,
  ref: ExecutionRef,
  deadline: number,
  ctx: CommandContext,
): Promise<{ executionArn: string; status?: string; stopped: boolean }> {
  const { arn } = ref;
  const client = clients.sfn(ref.region);
  let status: string | undefined;
  try {
    status = (await describeExecution(client, arn)).status;
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
  const buildUrl = ctx.io.env.BUILD_URL;
  const outcome = await stopWithin(
    arn,
    `Stopped by batchinf stop${buildUrl ? ` in ${buildUrl}` : ""}`,
    deadline,
    {
      client: clients.sfnUrgent(ref.region),
      region: ref.region,
      now: ctx.now,
      sleep: ctx.sleep ?? realSleep,
    },
  );
  if (!outcome.sent) {
    throw new EnvironmentError(
      `${(outcome.problem ?? "StopExecution failed").replace(/\.$/, "")}; the execution is still running.`,
    );
  }
  status = outcome.execution?.status ?? status;
  if (outcome.confirmed) ctx.log.info(`Stopped execution ${arn}: ${status}`);
  else ctx.log.warn(`StopExecution sent to ${arn}; ${outcome.problem ?? "not yet confirmed"}.`);
  return { executionArn: arn, status, stopped: true };
}

/**
 * The executions a result file names: `executionArn` (run, wait), or each
 * result's (backfill). A run killed before it wrote the file, or before it
 * started anything, left nothing to stop.
 */
async function arnsFromResultFile(file: string, ctx: CommandContext): Promise<string[]> {
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
  const record = (parsed ?? {}) as { executionArn?: unknown; results?: Array<{ executionArn?: unknown }> };
  const named = [
    record.executionArn,
    ...(Array.isArray(record.results) ? record.results.map((r) => r?.executionArn) : []),
  ];
  const arns = named.filter((arn): arn is string => typeof arn === "string");
  if (arns.length === 0) {
    ctx.log.info(
      `--result-file ${file} names no execution: the run ended before starting one; nothing to stop.`,
    );
  }
  return [...new Set(arns)];
}

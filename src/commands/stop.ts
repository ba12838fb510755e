import { readFile } from "node:fs/promises";
import { loadAws } from "../aws/load.js";
import type { OptionsOf } from "../cli-options.js";
import { EnvironmentError, ExitCode, InputError } from "../errors.js";
import { parseExecutionArn } from "../execution/state-machine.js";
import type { CommandContext } from "./context.js";
import { realSleep } from "./frame.js";

export type StopOptions = OptionsOf<"stop">;

/**
 * `batchinf stop ARN` or `batchinf stop --result-file FILE`: the Jenkinsfile's
 * `post { aborted }` fallback for a run killed before it could stop its
 * execution. Stops it once, with $BUILD_URL in the cause; an execution that
 * already ended is reported with its status, exit 0.
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
  const executionArn = args[0] ?? (await arnFromResultFile(options.resultFile as string, ctx));
  if (executionArn === undefined) return ExitCode.ok;
  const ref = parseExecutionArn(executionArn);
  if (!ref) {
    throw new InputError(
      `'${executionArn}' is not a Step Functions execution ARN; expected arn:aws:states:<region>:<account>:execution:<state-machine>:<name>.`,
    );
  }
  const aws = await loadAws();
  const clients = await aws.createAwsClients(
    {
      region: options.region,
      profile: options.profile,
      known: { region: ref.region, why: "the execution ARN" },
      ...ctx.aws,
    },
    ctx.log,
    ctx.io.env,
  );
  const client = clients.sfn(ref.region);
  let status: string | undefined;
  try {
    status = (await aws.describeExecution(client, executionArn)).status;
  } catch (error: unknown) {
    if (aws.awsErrorName(error) === "ExecutionDoesNotExist") {
      throw new EnvironmentError(
        `Execution ${executionArn} does not exist in ${ref.region}; nothing to stop.`,
        {
          cause: error,
        },
      );
    }
    throw aws.awsFailure(error, {
      operation: "states:DescribeExecution",
      region: ref.region,
      resource: executionArn,
    });
  }
  let stopped = false;
  if (status === "RUNNING") {
    const buildUrl = ctx.io.env.BUILD_URL;
    const outcome = await aws.stopWithin(
      executionArn,
      `Stopped by batchinf stop${buildUrl ? ` in ${buildUrl}` : ""}`,
      ctx.now() + options.abortTimeout,
      {
        client: clients.sfnUrgent(ref.region),
        region: ref.region,
        now: ctx.now,
        sleep: ctx.sleep ?? realSleep,
      },
    );
    if (!outcome.sent)
      throw new EnvironmentError(
        `${outcome.problem ?? "StopExecution failed"}; the execution is still running.`,
      );
    stopped = true;
    status = outcome.execution?.status ?? status;
    if (outcome.confirmed) ctx.log.info(`Stopped execution ${executionArn}: ${status}`);
    else ctx.log.warn(`StopExecution sent to ${executionArn}; ${outcome.problem ?? "not yet confirmed"}.`);
  } else {
    ctx.log.info(`Execution ${executionArn} already ended ${status ?? "?"}; nothing to stop.`);
  }
  if (options.output === "json") {
    ctx.io.stdout(`${JSON.stringify({ executionArn, status, stopped, apiCalls: clients.calls }, null, 2)}\n`);
  }
  return ExitCode.ok;
}

/** A run killed before it wrote the file, or before it started anything, left nothing to stop. */
async function arnFromResultFile(file: string, ctx: CommandContext): Promise<string | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error: unknown) {
    if ((error as { code?: string }).code === "ENOENT") {
      ctx.log.info(
        `--result-file ${file} does not exist: the run ended before it started an execution; nothing to stop.`,
      );
      return undefined;
    }
    throw new InputError(
      `Cannot read the execution ARN from --result-file ${file}: ${(error as Error).message}.`,
      {
        cause: error,
      },
    );
  }
  const arn = (parsed as { executionArn?: unknown } | null)?.executionArn;
  if (typeof arn !== "string") {
    ctx.log.info(
      `--result-file ${file} names no execution: the run ended before starting one; nothing to stop.`,
    );
    return undefined;
  }
  return arn;
}

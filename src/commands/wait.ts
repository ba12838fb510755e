import { type AwsClients, createAwsClients } from "../aws/clients.js";
import { awsErrorName, awsFailure } from "../aws/errors.js";
import { describeExecution } from "../aws/sfn.js";
import type { OptionsOf } from "../cli-options.js";
import { checkPollIntervals } from "../duration.js";
import { EnvironmentError, InputError } from "../errors.js";
import { exitCodeOf, outcomeOfError } from "../execution/exit-code.js";
import { checkStateMachine } from "../execution/machine-check.js";
import type { ExecutionReport } from "../execution/model.js";
import { attachAndFollow } from "../execution/service.js";
import { parseExecutionArn, parseStateMachineArn } from "../execution/state-machine.js";
import { parseJsonOrText } from "../json/parse-object.js";
import { type CommandContext, labelsOf } from "./context.js";
import { closeQuietly, followOptions, openFrame, pricesOption, serviceDeps } from "./follow-shared.js";

export type WaitOptions = OptionsOf<"wait">;

/** `batchinf wait <execution-arn>`: attach to an execution and follow it as run does. */
export async function waitCommand(
  executionArn: string,
  options: WaitOptions,
  ctx: CommandContext,
): Promise<number> {
  // wait cannot tell which values came from SecureStrings: leave input and output out rather than guess.
  const frame = await openFrame(ctx, options, { withoutPayloads: !options.showSecrets, command: "wait" });
  const report: ExecutionReport = {
    status: "UNKNOWN",
    states: [],
    outcome: { kind: "started" },
    executionArn,
  };
  frame.reports.push(report);
  let clients: AwsClients | undefined;
  try {
    checkPollIntervals(options.pollInterval, options.maxPollInterval, labelsOf(ctx));
    const prices = await pricesOption(options, ctx);
    const parsed = parseExecutionArn(executionArn);
    if (!parsed) {
      throw new InputError(
        `'${executionArn}' is not a Step Functions execution ARN; expected arn:aws:states:<region>:<account>:execution:<state-machine>:<name>.`,
      );
    }
    const ref = parsed;
    clients = await createAwsClients(
      {
        region: options.region,
        profile: options.profile,
        assumeRole: options.assumeRole,
        now: ctx.now,
        known: { region: ref.region, why: "the execution ARN" },
        requestTimeout: options.requestTimeout,
        ...ctx.aws,
      },
      ctx.log,
      ctx.io.env,
    );
    const client = clients.sfn(ref.region);
    let execution: Awaited<ReturnType<typeof describeExecution>>;
    try {
      execution = await describeExecution(client, executionArn, frame.interrupt);
    } catch (error: unknown) {
      if (awsErrorName(error) === "ExecutionDoesNotExist") {
        throw new EnvironmentError(
          `Execution ${executionArn} does not exist in ${ref.region}; check the ARN, the region and the account.`,
          { cause: error },
        );
      }
      throw awsFailure(error, {
        operation: "states:DescribeExecution",
        region: ref.region,
        resource: executionArn,
      });
    }
    if (options.showSecrets) {
      report.input = parseJsonOrText(execution.input);
    } else {
      ctx.log.info(
        "The result leaves the execution's input and output out (pass --show-secrets to include them).",
      );
    }
    const machineArn = execution.stateMachineVersionArn ?? execution.stateMachineArn ?? ref.stateMachineArn;
    const facts = await checkStateMachine(client, parseStateMachineArn(machineArn), frame.interrupt).catch(
      () => undefined,
    );
    if (facts) report.definitionStates = facts.states;
    await attachAndFollow(
      { ...execution, executionArn },
      followOptions(options, ctx),
      report,
      serviceDeps({
        client,
        clients,
        frame,
        ctx,
        region: ref.region,
        account: ref.account,
        options,
        ...(prices ? { prices } : {}),
      }),
    );
  } catch (error: unknown) {
    report.outcome = outcomeOfError(error, options.onAbort);
    await closeQuietly(frame, clients, ctx);
    throw error;
  }
  await closeQuietly(frame, clients, ctx);
  return exitCodeOf(report.outcome);
}

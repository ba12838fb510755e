import { attachApiBudget } from "../aws/api-budget.js";
import { BackfillBudget } from "../backfill/budget.js";
import { backfillDates } from "../backfill/dates.js";
import { findExistingExecutions } from "../backfill/existing.js";
import { type DateJob, followDates } from "../backfill/follow-dates.js";
import { assertAllValid, dateOverrides, inputsForDates } from "../backfill/inputs.js";
import { summaryRows, summaryTable } from "../backfill/summary.js";
import type { OptionsOf } from "../cli-options.js";
import { checkPollIntervals } from "../duration.js";
import { InputError, toExit } from "../errors.js";
import { exitCodeOfAll, outcomeOfError } from "../execution/exit-code.js";
import { checkStateMachine } from "../execution/machine-check.js";
import type { ExecutionReport } from "../execution/model.js";
import { startAndFollow } from "../execution/service.js";
import { INPUT_KEYS } from "../input/keys.js";
import { assertSameAccount, chooseStateMachine, composeInput, nameExecution } from "../plan/plan.js";
import { describeProblem, maskedInput, reportPrepared } from "../plan/prepared.js";
import { maskedJson } from "../secrets/masked-json.js";
import { totalUsage, usageText } from "../usage/usage.js";
import { lazyClients } from "./aws-session.js";
import { type CommandContext, labelsOf } from "./context.js";
import { closeQuietly, followOptions, openFrame, pricesOption, serviceDeps } from "./follow-shared.js";
import { preflightBeforeStart } from "./preflight-step.js";

export type BackfillOptions = OptionsOf<"backfill">;

/**
 * `batchinf backfill`: one execution per date, composed from one read of the
 * sources and all validated before anything starts; named as `run` names
 * them, so a rerun of the same build attaches, reports or redrives instead
 * of starting again; at most --concurrency RUNNING at once; every Step
 * Functions call of every date within one --max-api-rate budget on one
 * shared client; one log, each line prefixed with its date.
 */
export async function backfillCommand(options: BackfillOptions, ctx: CommandContext): Promise<number> {
  const label = labelsOf(ctx);
  // The reports open first: whatever is refused after this is written into them (every ending).
  const frame = await openFrame(ctx, options, { several: true });
  const reports: ExecutionReport[] = [];
  let session: ReturnType<typeof lazyClients> | undefined;
  try {
    checkPollIntervals(options.pollInterval, options.maxPollInterval, label);
    const prices = await pricesOption(options, ctx);
    const dates = backfillDates({
      ...(options.from !== undefined ? { from: options.from } : {}),
      ...(options.to !== undefined ? { to: options.to } : {}),
      ...(options.dates !== undefined ? { dates: options.dates } : {}),
      label,
      onNote: (message) => ctx.log.info(message),
    });
    for (const date of dates) {
      reports.push({ label: date, status: "NOT_STARTED", states: [], outcome: { kind: "started" } });
    }
    frame.reports.push(...reports);
    const clientsOnDemand = lazyClients(options, ctx, frame.interrupt);
    session = clientsOnDemand;
    const getClients = clientsOnDemand.get;
    // The sources are read once, composed for the first date; every other date is composed from the same layers.
    const prepared = await composeInput(
      { ...options, date: dates[0] },
      {
        log: ctx.log,
        env: ctx.io.env,
        now: ctx.now,
        label,
        readLiveSsm: clientsOnDemand.readLiveSsm,
      },
    );
    // Missing keys are the same for every date: run's message says where each was expected from.
    if (prepared.composition.missing.length > 0) reportPrepared(prepared, options, ctx.log);
    const inputs = inputsForDates(prepared, dates, ctx.now(), (text) => ctx.log.secrets.maskText(text));
    assertAllValid(inputs, (problem, input) =>
      describeProblem(problem, { ...prepared, composition: input.composition }, ctx.log.secrets),
    );
    reportPrepared(prepared, options, ctx.log);
    const overridden = dateOverrides(prepared);
    if (overridden.length > 0) {
      ctx.log.warn(
        `--set ${overridden.join(", ")} overrides the date of every backfill date: each input has that value, whatever its date.`,
      );
    }
    const machine = chooseStateMachine(options, prepared, label);
    assertSameAccount(prepared, machine, ctx.log);
    const namedAt = ctx.now();
    const jobs: DateJob[] = inputs.map((input, i) => {
      const report = reports[i] as ExecutionReport;
      report.input = maskedInput(input.composition, options.showSecrets);
      const name = nameExecution(input.composition, input.executionDate, {
        ...(ctx.io.env.BUILD_TAG !== undefined ? { buildTag: ctx.io.env.BUILD_TAG } : {}),
        at: namedAt,
      });
      return {
        date: input.date,
        running: false,
        report,
        job: {
          machine,
          name,
          input: JSON.stringify(input.composition.input),
          redrive: options.redrive,
          secretKeys: new Set(INPUT_KEYS.filter((key) => input.composition.provenance[key]?.secret)),
          ssmKeys: new Set(INPUT_KEYS.filter((key) => input.composition.provenance[key]?.source === "ssm")),
        },
      };
    });

    // One client, one budget: every HTTP attempt of every date (SDK retries included) takes a slot.
    const sharedClients = await getClients(prepared.tfvarsRegion);
    const client = sharedClients.sfn(machine.region);
    const budget = new BackfillBudget({
      ratePerSecond: options.maxApiRate,
      now: ctx.now,
      sleep: frame.sleep,
    });
    attachApiBudget(client, budget);
    // The abort path's client too: its stops skip the queue, its confirmations keep to the rate.
    attachApiBudget(sharedClients.sfnUrgent(machine.region), budget);
    const facts = await checkStateMachine(client, machine, frame.interrupt);
    for (const report of reports) report.definitionStates = facts.states;
    // One preflight for every date: each resource checked once, whatever the number of dates.
    await preflightBeforeStart({
      mode: options.preflight,
      clients: sharedClients,
      machine,
      facts,
      inputs: inputs.map((input) => input.composition.input),
      signal: frame.interrupt,
      ctx,
      onReport: (found) => {
        for (const report of reports) report.preflight = found;
      },
    });

    const existing = await findExistingExecutions(jobs, { client, signal: frame.interrupt });
    if (existing.conflicts.length > 0) {
      throw new InputError(
        `${existing.conflicts.length === 1 ? "A date" : `${existing.conflicts.length} dates`} of this build already ${existing.conflicts.length === 1 ? "has an execution" : "have executions"} with a different input; nothing was started. Restore the input, or run the backfill as a new Jenkins build (its BUILD_TAG names new executions).`,
        { details: existing.conflicts },
      );
    }
    jobs.forEach((job, i) => {
      const found = existing.found[i] ?? null;
      job.job.known = found;
      job.running = found?.status === "RUNNING" || found?.status === "PENDING_REDRIVE";
    });
    announce(jobs, options, ctx);

    const schedule = await followDates(
      jobs,
      {
        concurrency: options.concurrency,
        failFast: options.failFast,
        flow: { ...followOptions(options, ctx), wait: true, dryRun: options.dryRun },
        interrupt: frame.interrupt,
        now: ctx.now,
      },
      {
        startAndFollow,
        depsFor: (date) =>
          serviceDeps({
            client,
            clients: sharedClients,
            frame,
            ctx,
            region: machine.region,
            account: machine.account,
            options,
            label: date,
            ...(prices ? { prices } : {}),
          }),
        onError: (date, error) => {
          const { message, details } = toExit(error);
          ctx.log.error(`[${date}] ${message}`);
          for (const line of details) ctx.log.error(`[${date}]   ${line}`);
        },
      },
    );
    if (schedule.notBegun.length > 0) {
      const why =
        schedule.stoppedBy === "fail-fast"
          ? "--fail-fast after a failure"
          : schedule.stoppedBy === "timeout"
            ? "--timeout ran out"
            : String(frame.interrupt.reason);
      ctx.log.warn(
        `${why}: ${schedule.notBegun.length} ${schedule.notBegun.length === 1 ? "date was" : "dates were"} not started (${schedule.notBegun.map((job) => job.date).join(", ")}).`,
      );
    }
    if (options.dryRun && options.output !== "json") {
      ctx.io.stdout(
        maskedJson(
          jobs.map((job) => ({
            date: job.date,
            stateMachineArn: machine.arn,
            name: job.job.name,
            input: job.report.input,
          })),
          ctx.log.secrets,
        ),
      );
    }
  } catch (error: unknown) {
    // Refused before the dates were known: one report says so.
    const outcome = outcomeOfError(error, options.onAbort);
    if (reports.length === 0) frame.reports.push({ status: "NOT_STARTED", states: [], outcome });
    for (const report of reports) if (report.status === "NOT_STARTED") report.outcome = outcome;
    await closeQuietly(frame, session?.current(), ctx);
    throw error;
  }
  printSummary(reports, ctx);
  await closeQuietly(frame, session?.current(), ctx);
  return exitCodeOfAll(reports.map((report) => report.outcome));
}

function announce(jobs: readonly DateJob[], options: BackfillOptions, ctx: CommandContext): void {
  const first = jobs[0]?.date;
  const last = jobs.at(-1)?.date;
  ctx.log.info(
    `Backfill of ${jobs.length} ${jobs.length === 1 ? "date" : "dates"} (${first === last ? first : `${first} to ${last}`}): at most ${options.concurrency} running at once, ${options.maxApiRate} Step Functions calls/s in all${options.failFast ? ", --fail-fast" : ""}.`,
    { dates: jobs.length, concurrency: options.concurrency, maxApiRate: options.maxApiRate },
  );
  const running = jobs.filter((job) => job.running);
  if (running.length === 0) return;
  const over =
    running.length > options.concurrency
      ? `; that is more than --concurrency ${options.concurrency}: no new date starts until fewer are running`
      : "";
  ctx.log.info(
    `${running.length} of them already running under this build's names (a rerun): attaching to ${running.map((job) => job.date).join(", ")} first${over}.`,
  );
}

function printSummary(reports: readonly ExecutionReport[], ctx: CommandContext): void {
  const rows = summaryRows(reports);
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(row.status, (totals.get(row.status) ?? 0) + 1);
  const counts = [...totals].map(([status, n]) => `${n} ${status}`).join(", ");
  if (ctx.log.json) {
    ctx.log.info(`backfill: ${counts}`, { event: "backfill-summary", rows });
    return;
  }
  ctx.log.info(`Backfill: ${reports.length} ${reports.length === 1 ? "date" : "dates"}, ${counts}`);
  for (const line of summaryTable(rows)) ctx.log.info(`  ${line}`);
  const usage = totalUsage(reports.map((report) => report.usage));
  if (usage) ctx.log.info(`Used in all: ${usageText(usage)}`);
}

import type { Composition } from "../input/compose.js";
import { INPUT_KEYS } from "../input/keys.js";
import {
  assertValid,
  describeSource,
  display,
  type InputOptions,
  type PreparedInput,
  prepareInput,
} from "../input/prepare.js";
import { MASK, type Secrets } from "../secrets/secrets.js";
import { formatProblem } from "../validate/format.js";
import { maskProblem, type Problem, withoutUrlCredentials } from "../validate/problem.js";
import type { CommandContext } from "./context.js";

export interface RenderOptions extends Omit<InputOptions, "offline"> {
  dryRun: boolean;
  explain: boolean;
  showSecrets: boolean;
  output: "text" | "json";
  region?: string;
  profile?: string;
}

/** `batchinf render`: compose + validate the input, print it on stdout. */
export async function renderCommand(options: RenderOptions, ctx: CommandContext): Promise<number> {
  const prepared = await prepareInput(
    { ...options, offline: options.dryRun },
    {
      log: ctx.log,
      ...(ctx.optionLabel ? { label: ctx.optionLabel } : {}),
      env: ctx.io.env,
      now: ctx.now,
      // The SDK loads only if SSM is read: never with --dry-run.
      readLiveSsm: async (request) =>
        (await import("./aws-session.js")).lazyClients(options, ctx).readLiveSsm(request),
    },
  );
  reportPrepared(prepared, options, ctx);
  const input = maskedInput(prepared.composition, options.showSecrets);
  // Masked as data, before it is serialised: URL credentials and secrets in any value.
  if (options.output === "json") {
    const document = {
      input,
      provenance: provenanceJson(prepared.composition, options.showSecrets),
      warnings: prepared.problems
        .filter((problem) => problem.severity === "warning")
        .map((problem) => describeProblem(problem, prepared, ctx.log.secrets)),
    };
    ctx.io.stdout(`${JSON.stringify(ctx.log.mask(document), null, 2)}\n`);
  } else {
    ctx.io.stdout(`${JSON.stringify(ctx.log.mask(input), null, 2)}\n`);
  }
  return 0;
}

/**
 * Shared by render and run: warnings, --explain, secret notice, and the
 * InputError that stops everything when the input is invalid.
 */
export function reportPrepared(
  prepared: PreparedInput,
  options: { explain: boolean; showSecrets: boolean },
  ctx: CommandContext,
): void {
  const { log } = ctx;
  for (const problem of prepared.problems.filter((p) => p.severity === "warning")) {
    log.warn(describeProblem(problem, prepared, log.secrets));
  }
  const secretKeys = INPUT_KEYS.filter((key) => prepared.composition.provenance[key]?.secret);
  if (secretKeys.length > 0) {
    log.warn(
      `${secretKeys.join(", ")} ${secretKeys.length === 1 ? "comes" : "come"} from a SecureString parameter; the value is masked here but will be visible in the execution's input and history to anyone who can read the state machine.`,
    );
  }
  if (options.explain) explain(prepared, options.showSecrets, ctx);
  assertValid(prepared, (problem) => describeProblem(problem, prepared, log.secrets));
}

/**
 * A problem with the value's source named, so the fix lands in the right
 * place; a secret key's value masked whatever its length.
 */
export function describeProblem(problem: Problem, prepared: PreparedInput, secrets?: Secrets): string {
  const entry = problem.key
    ? prepared.composition.provenance[problem.key as keyof Composition["provenance"]]
    : undefined;
  const from = entry ? ` (from ${describeSource(entry)})` : "";
  const clean = withoutUrlCredentials(problem);
  const shown = secrets ? maskProblem(clean, (key) => secrets.isSecretKey(key)) : clean;
  return formatProblem(
    { ...shown, message: `${shown.message}${from}` },
    secrets ? (text) => secrets.maskText(text) : undefined,
  );
}

export function maskedInput(composition: Composition, showSecrets: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of INPUT_KEYS) {
    const entry = composition.provenance[key];
    if (entry) out[key] = entry.secret && !showSecrets ? MASK : entry.value;
  }
  return out;
}

function provenanceJson(composition: Composition, showSecrets: boolean) {
  const out: Record<string, unknown> = {};
  for (const key of INPUT_KEYS) {
    const entry = composition.provenance[key];
    if (!entry) continue;
    out[key] = {
      value: entry.secret && !showSecrets ? MASK : entry.value,
      source: entry.source,
      origin: entry.origin,
      ...(entry.secret ? { secret: true } : {}),
      overrode: entry.overrode.map((o) => ({
        value: o.secret && !showSecrets ? MASK : o.value,
        source: o.source,
        origin: o.origin,
      })),
    };
  }
  return out;
}

function explain(prepared: PreparedInput, showSecrets: boolean, ctx: CommandContext): void {
  const { log } = ctx;
  const width = Math.max(...INPUT_KEYS.map((key) => key.length));
  log.info("Where each key comes from (lowest to highest: default < SSM < tfvars < dynamic < --set):");
  for (const key of INPUT_KEYS) {
    const entry = prepared.composition.provenance[key];
    if (!entry) continue;
    const overrode = entry.overrode
      .map((o) => `${display(o, showSecrets, ctx.log.secrets)} from ${describeSource(o)}`)
      .join("; ");
    log.info(
      `  ${key.padEnd(width)}  ${display(entry, showSecrets, ctx.log.secrets)}  <- ${describeSource(entry)}${overrode ? `  (overrode ${overrode})` : ""}`,
    );
  }
  for (const { key, origin } of prepared.unusedSsmKeys) {
    log.info(`  not sent: ${key} from SSM ${origin} is not an input key`);
  }
  const arn = prepared.control.state_machine_arn;
  if (arn)
    log.info(
      `  control: state_machine_arn ${display(arn, showSecrets, ctx.log.secrets)} <- SSM ${arn.origin} (not sent)`,
    );
  if (prepared.ignoredTfvars.length > 0) {
    log.info(`  ignored tfvars variables (not input keys): ${prepared.ignoredTfvars.join(", ")}`);
  }
}

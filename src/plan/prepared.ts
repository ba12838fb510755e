import type { Composition } from "../input/compose.js";
import { INPUT_KEYS } from "../input/keys.js";
import { assertValid, display, type PreparedInput } from "../input/prepare.js";
import type { Logger } from "../io/log.js";
import { MASK, type Secrets } from "../secrets/secrets.js";
import { describeSource } from "../sources/types.js";
import { formatProblem } from "../validate/format.js";
import { maskProblem, type Problem, withoutUrlCredentials } from "../validate/problem.js";

// What the composed input looks like to the person reading the log: its
// warnings and problems with their sources named, --explain, and the input
// as reports show it (secrets masked). render, run, backfill and preflight
// say it the same way.

/**
 * Shared by render, run and backfill: warnings, --explain, secret notice, and
 * the InputError that stops everything when the input is invalid.
 */
export function reportPrepared(
  prepared: PreparedInput,
  options: { explain: boolean; showSecrets: boolean },
  log: Logger,
): void {
  for (const problem of prepared.problems.filter((p) => p.severity === "warning")) {
    log.warn(describeProblem(problem, prepared, log.secrets));
  }
  const secretKeys = INPUT_KEYS.filter((key) => prepared.composition.provenance[key]?.secret);
  if (secretKeys.length > 0) {
    log.warn(
      `${secretKeys.join(", ")} ${secretKeys.length === 1 ? "comes" : "come"} from a SecureString parameter; the value is masked here but will be visible in the execution's input and history to anyone who can read the state machine.`,
    );
  }
  if (options.explain) explain(prepared, options.showSecrets, log);
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

function explain(prepared: PreparedInput, showSecrets: boolean, log: Logger): void {
  const width = Math.max(...INPUT_KEYS.map((key) => key.length));
  log.info("Where each key comes from (lowest to highest: default < SSM < tfvars < dynamic < --set):");
  for (const key of INPUT_KEYS) {
    const entry = prepared.composition.provenance[key];
    if (!entry) continue;
    const overrode = entry.overrode
      .map((o) => `${display(o, showSecrets, log.secrets)} from ${describeSource(o)}`)
      .join("; ");
    log.info(
      `  ${key.padEnd(width)}  ${display(entry, showSecrets, log.secrets)}  <- ${describeSource(entry)}${overrode ? `  (overrode ${overrode})` : ""}`,
    );
  }
  for (const line of prepared.explain) log.info(`  ${line}`);
  const arn = prepared.control.state_machine_arn;
  if (arn)
    log.info(
      `  control: state_machine_arn ${display(arn, showSecrets, log.secrets)} <- SSM ${arn.origin} (not sent)`,
    );
}

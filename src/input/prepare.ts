import { InputError } from "../errors.js";
import type { Logger } from "../io/log.js";
import { quoteValue } from "../io/one-line.js";
import { MASK, type Secrets } from "../secrets/secrets.js";
import { cleanUrlsInText } from "../secrets/url.js";
import {
  type ExecutionDate,
  inputSources,
  type LiveSsmReader,
  type SourceDeps,
  type SourceOptions,
} from "../sources/input-sources.js";
import { readSources } from "../sources/source.js";
import { describeSource, type Sourced, type SourceValues } from "../sources/types.js";
import { validateInput } from "../validate/input.js";
import { hasErrors, type Problem } from "../validate/problem.js";
import { type Composition, compose, derivedWhereFrom } from "./compose.js";
import type { ControlKey } from "./keys.js";

export interface InputOptions extends SourceOptions {}

export type { LiveSsmReader };

export interface PrepareDeps extends SourceDeps {
  log: Logger;
}

export interface PreparedInput {
  composition: Composition;
  /** The sources' values as read, for composing again with other dynamic values (backfill: one input per date). */
  layers: SourceValues[];
  /** One line per missing key: where it was expected from. */
  missing: string[];
  problems: Problem[];
  date: ExecutionDate;
  /** Control values (state_machine_arn); never part of the input. */
  control: Partial<Record<ControlKey, Sourced>>;
  /** Lines --explain adds from the sources: what was read and is not sent. */
  explain: string[];
  /** The region tfvars.json names, the last resort for API calls. */
  tfvarsRegion?: string;
}

/**
 * Read every source, compose, validate. Throws InputError (exit 2) when the
 * input is incomplete or invalid, so nothing can be started from it. The
 * sources register their secrets in the log's Secrets as they read them.
 */
export async function prepareInput(options: InputOptions, deps: PrepareDeps): Promise<PreparedInput> {
  const { log } = deps;
  // Building the list runs the cheap, purely local checks: a bad flag fails before any I/O.
  const input = inputSources(options, deps);
  const readings = await readSources(input.sources, log.secrets);
  for (const reading of readings) for (const note of reading.notes ?? []) log[note.level](note.text);

  const composition = compose(readings.map((reading) => reading.values));
  for (const [key, entry] of Object.entries(composition.provenance)) {
    // Masked by key whatever its length: the value in force is a secret.
    if (entry.secret) log.secrets.addKey(key);
  }
  logOverrides(composition, log);
  for (const { unavailable } of readings) {
    for (const key of unavailable?.keys ?? []) {
      const entry = composition.provenance[key];
      if (unavailable && entry)
        log.warn(`${key}: ${unavailable.what} (${unavailable.why}); using ${describeSource(entry)}.`);
    }
  }

  // An incomplete input is reported by assertValid, after --explain has shown what was found.
  const missing = composition.missing.map((key) => {
    const hints = input.sources.flatMap((source, index) => {
      const reading = readings[index];
      const hint = reading ? source.whereFrom?.(key, reading) : undefined;
      return hint ? [hint] : [];
    });
    const derived = derivedWhereFrom(key);
    return `${key}: ${derived ?? (hints.join("; or ") || "no source gives it")}`;
  });
  const problems =
    missing.length > 0
      ? []
      : validateInput(composition.input, {
          now: deps.now(),
          mask: (text) => log.secrets.maskText(text),
        });
  const tfvarsRegion = input.tfvarsRegion(readings);
  return {
    composition,
    layers: readings.map((reading) => reading.values),
    missing,
    problems,
    date: input.date,
    control: Object.assign({}, ...readings.map((reading) => reading.control ?? {})),
    explain: readings.flatMap((reading) => reading.explain ?? []),
    ...(tfvarsRegion ? { tfvarsRegion } : {}),
  };
}

/** An InputError listing each missing key or problem, for commands that must not go on. */
export function assertValid(prepared: PreparedInput, describe: (problem: Problem) => string): void {
  const { missing } = prepared.composition;
  if (missing.length > 0) {
    throw new InputError(
      `The input is missing ${missing.length === 1 ? "1 key" : `${missing.length} keys`}: ${missing.join(", ")}; supply ${missing.length === 1 ? "it" : "each"} from one of the sources below or with --set KEY=VALUE.`,
      { details: prepared.missing },
    );
  }
  if (!hasErrors(prepared.problems)) return;
  const errors = prepared.problems.filter((problem) => problem.severity === "error");
  throw new InputError(
    `The composed input is invalid (${errors.length} ${errors.length === 1 ? "error" : "errors"}); nothing was started. Fix the source named for each key, or override it with --set KEY=VALUE.`,
    { details: errors.map(describe) },
  );
}

function logOverrides(composition: Composition, log: Logger): void {
  for (const { key, from, to } of composition.overrides) {
    if (from.source === "default") continue; // Overriding a schema default is the normal case.
    log.info(
      `${key}: ${display(to, false, log.secrets)} from ${describeSource(to)} overrides ${display(from, false, log.secrets)} from ${describeSource(from)}`,
    );
  }
}

/**
 * A value as messages show it: MASK for a SecureString (unless
 * --show-secrets), else quoted, one line, cut to 200 characters, with the
 * credentials of any URL in it removed.
 */
export function display(sourced: Sourced, showSecrets = false, secrets?: Secrets): string {
  if (sourced.secret && !showSecrets) return MASK;
  const value = typeof sourced.value === "string" ? cleanUrlsInText(sourced.value) : sourced.value;
  return quoteValue(value, undefined, secrets ? (text) => secrets.maskText(text) : undefined);
}

import { InputError } from "../errors.js";
import type { Logger } from "../io/log.js";
import { quoteValue } from "../io/one-line.js";
import { MASK, type Secrets } from "../secrets/secrets.js";
import { cleanUrlsInText, credentialsInText } from "../secrets/url.js";
import { type ExecutionDate, executionDate } from "../sources/clock.js";
import { readRepository } from "../sources/git.js";
import { readSsmFile } from "../sources/ssm-file.js";
import type { SsmSnapshot } from "../sources/ssm-values.js";
import { readTfvars } from "../sources/tfvars.js";
import type { Sourced, SourceValues } from "../sources/types.js";
import { validateInput } from "../validate/input.js";
import { hasErrors, type Problem } from "../validate/problem.js";
import { type Composition, compose, type Layers } from "./compose.js";
import type { InputKey } from "./keys.js";
import { parseSetFlags } from "./set-flags.js";

export interface InputOptions {
  tfvars: string;
  ssmPath?: string;
  ssmParam: string[];
  ssmFile?: string;
  repoDir: string;
  date?: string;
  timezone: string;
  set: string[];
  /** No AWS call at all (render --dry-run): SSM values only from --ssm-file. */
  offline: boolean;
}

/** Reads Parameter Store; given only to commands that may call AWS. */
export type LiveSsmReader = (request: {
  path?: string;
  names: string[];
  tfvarsRegion?: string;
}) => Promise<SsmSnapshot>;

export interface PrepareDeps {
  log: Logger;
  /** How messages name an option (commands' labelsOf): `BATCHINF_TFVARS` or `--tfvars`. */
  label: (option: string) => string;
  env: Readonly<Record<string, string | undefined>>;
  now: () => number;
  readLiveSsm?: LiveSsmReader;
}

export interface PreparedInput {
  composition: Composition;
  /** The sources as read, for composing again with other dynamic values (backfill: one input per date). */
  layers: Layers;
  /** One line per missing key: where it was expected from. */
  missing: string[];
  problems: Problem[];
  date: ExecutionDate;
  /** Control values from SSM (state_machine_arn); never part of the input. */
  control: SsmSnapshot["control"];
  unusedSsmKeys: SsmSnapshot["unused"];
  ignoredTfvars: string[];
  /** The region tfvars.json names, the last resort for API calls. */
  tfvarsRegion?: string;
}

/**
 * Gather every source, compose, validate. Throws InputError (exit 2) when the
 * input is incomplete or invalid, so nothing can be started from it.
 */
export async function prepareInput(options: InputOptions, deps: PrepareDeps): Promise<PreparedInput> {
  const { log } = deps;
  const { label } = deps;
  // Cheap, purely local checks first: a bad flag should fail before any I/O.
  const set = parseSetFlags(options.set, label("set"));
  const { date, values: dateValues } = executionDate({
    date: options.date,
    timezone: options.timezone,
    now: deps.now,
    label,
  });

  const [tfvars, repository] = await Promise.all([
    readTfvars(options.tfvars, label("tfvars")),
    readRepository(options.repoDir, deps.env.GIT_URL),
  ]);
  for (const credential of repository.secrets) log.secrets.addCredential(credential);
  if (repository.note) log.debug(`repository from ${repository.note}`);
  const tfvarsRegion = stringValue(tfvars.values.get("region"));
  const ssm = await readSsm(options, { ...deps, label }, tfvarsRegion);

  const dynamic: SourceValues = new Map([...repository.values, ...dateValues]);
  const layers: Layers = { ssm: ssm.values, tfvars: tfvars.values, dynamic, set };
  const composition = compose(layers);
  registerSecrets(composition, ssm, log);
  logOverrides(composition, log);
  const repositoryEntry = composition.provenance.repository;
  if (repository.unavailable && repositoryEntry && repositoryEntry.source !== "git") {
    log.warn(
      `repository: no usable git origin (${repository.unavailable}); using ${describeSource(repositoryEntry)}.`,
    );
  }

  // An incomplete input is reported by assertValid, after --explain has shown what was found.
  const missing = composition.missing.map(
    (key) => `${key}: ${whereFrom(key, options, repository.unavailable)}`,
  );
  const problems =
    missing.length > 0
      ? []
      : validateInput(composition.input, {
          now: deps.now(),
          mask: (text) => log.secrets.maskText(text),
        });
  return {
    composition,
    layers,
    missing,
    problems,
    date,
    control: ssm.control,
    unusedSsmKeys: ssm.unused,
    ignoredTfvars: tfvars.ignored,
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

async function readSsm(
  options: InputOptions,
  deps: PrepareDeps,
  tfvarsRegion?: string,
): Promise<SsmSnapshot> {
  const empty: SsmSnapshot = { values: new Map(), control: {}, unused: [] };
  if (options.ssmFile !== undefined) {
    if (options.ssmPath !== undefined || options.ssmParam.length > 0) {
      deps.log.warn("--ssm-file replaces Parameter Store: --ssm-path and --ssm-param are ignored.");
    }
    return readSsmFile(options.ssmFile, deps.label("ssmFile"));
  }
  if (options.ssmPath === undefined && options.ssmParam.length === 0) return empty;
  if (options.offline) {
    deps.log.warn(
      "--dry-run makes no AWS call, so nothing is read from SSM; pass --ssm-file FILE for those values.",
    );
    return empty;
  }
  if (!deps.readLiveSsm) throw new Error("this command cannot read SSM");
  return deps.readLiveSsm({
    ...(options.ssmPath !== undefined ? { path: options.ssmPath } : {}),
    names: options.ssmParam,
    ...(tfvarsRegion ? { tfvarsRegion } : {}),
  });
}

function whereFrom(key: InputKey, options: InputOptions, repositoryUnavailable?: string): string {
  switch (key) {
    case "repository":
      return `comes from the git origin of --repo-dir ${options.repoDir} or $GIT_URL, but ${repositoryUnavailable ?? "neither gave one"}`;
    case "mapping_json_S3_path":
      return "is derived from s3_bucket_name_internal, which is missing too";
    case "region":
    case "use_case_name":
      return `set it in ${options.tfvars}`;
    default: {
      const ssm =
        options.ssmFile !== undefined
          ? `add it to --ssm-file ${options.ssmFile}`
          : options.ssmPath !== undefined || options.ssmParam.length > 0
            ? `no parameter named .../${key} was found under ${[options.ssmPath, ...options.ssmParam].filter(Boolean).join(", ")}`
            : "pass --ssm-path PREFIX (or --ssm-file FILE with --dry-run) to read Terraform's outputs";
      return `expected from SSM: ${ssm}; or set it in ${options.tfvars}`;
    }
  }
}

/**
 * Tell the secrets boundary what this input holds: SecureString values
 * (masked in free text), the keys whose value in force is one (masked by
 * key, whatever the length), and the credentials of any URL in any value,
 * from whichever source (masked even with --show-secrets).
 */
function registerSecrets(composition: Composition, ssm: SsmSnapshot, log: Logger): void {
  const values: Sourced[] = [...Object.values(ssm.control)];
  for (const [key, entry] of Object.entries(composition.provenance)) {
    if (entry.secret) log.secrets.addKey(key);
    values.push(entry, ...entry.overrode);
  }
  for (const sourced of values) {
    if (typeof sourced.value !== "string") continue;
    if (sourced.secret) log.addSecret(sourced.value);
    for (const credential of credentialsInText(sourced.value)) log.secrets.addCredential(credential);
  }
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

export function describeSource(sourced: Sourced): string {
  switch (sourced.source) {
    case "default":
      return "the schema default";
    case "ssm":
      return `SSM ${sourced.origin}`;
    case "tfvars":
      return sourced.origin;
    case "set":
      return sourced.origin;
    default:
      return sourced.origin;
  }
}

function stringValue(sourced: Sourced | undefined): string | undefined {
  return typeof sourced?.value === "string" ? sourced.value : undefined;
}

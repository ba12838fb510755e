import { clockSource, type ExecutionDate } from "./clock.js";
import { gitSource } from "./git.js";
import { setSource } from "./set.js";
import type { Source, SourceReading } from "./source.js";
import { type LiveSsmReader, type SsmOptions, ssmSource } from "./ssm/source.js";
import { tfvarsSource } from "./tfvars.js";

// The one list of the input's sources, like a registry: adding a source is a
// module and a line here; the composer (src/input/) iterates the list and
// names none of them.

export type { ExecutionDate, LiveSsmReader };

export interface SourceOptions extends SsmOptions {
  tfvars: string;
  repoDir: string;
  date?: string;
  timezone: string;
  set: string[];
}

export interface SourceDeps {
  /** How messages name an option: `BATCHINF_TFVARS` or `--tfvars`. */
  label: (option: string) => string;
  env: Readonly<Record<string, string | undefined>>;
  now: () => number;
  readLiveSsm?: LiveSsmReader;
}

export interface InputSources {
  /**
   * Lowest precedence first (schema defaults sit below them all, in the composer):
   *
   *   SSM (Terraform's outputs, or --ssm-file) < tfvars.json < git origin
   *   < execution date < --set KEY=VALUE
   *
   * The live SSM read needs tfvars.json's region, so it is read after it
   * (`needs`), whatever its precedence.
   */
  sources: Source[];
  /** The execution date (names the execution). */
  date: ExecutionDate;
  /** The region tfvars.json names, from the readings: the last resort for API calls. */
  tfvarsRegion(readings: readonly SourceReading[]): string | undefined;
}

/**
 * The sources of this command's input. Their cheap, purely local checks run
 * here, before any file or network is touched: --set, then --date and
 * --timezone, then the SSM parameter names.
 */
export function inputSources(options: SourceOptions, deps: SourceDeps): InputSources {
  const { label } = deps;
  const set = setSource(options.set, label("set"));
  const clock = clockSource({
    ...(options.date !== undefined ? { date: options.date } : {}),
    timezone: options.timezone,
    now: deps.now,
    label,
  });
  const tfvars = tfvarsSource(options.tfvars, label("tfvars"));
  const ssm = ssmSource(options, {
    label,
    now: deps.now,
    regionFrom: tfvars,
    ...(deps.readLiveSsm ? { readLive: deps.readLiveSsm } : {}),
  });
  const git = gitSource(options.repoDir, deps.env.GIT_URL);
  const sources = [ssm, tfvars, git, clock, set];
  return {
    sources,
    date: clock.date,
    tfvarsRegion: (readings) => {
      const region = readings[sources.indexOf(tfvars)]?.values.get("region")?.value;
      return typeof region === "string" && region !== "" ? region : undefined;
    },
  };
}

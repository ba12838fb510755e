/**
 * Every value batchinf sends carries where it came from, so `--explain` and
 * the override log can name the file, parameter or flag behind it.
 */
export type SourceName = "default" | "ssm" | "tfvars" | "git" | "clock" | "derived" | "set";

export interface Sourced {
  value: unknown;
  source: SourceName;
  /** Human detail: the SSM parameter name, the file, the flag. */
  origin: string;
  /** A SecureString value: used, but printed as **** unless --show-secrets. */
  secret?: boolean;
}

/** One source's contribution: key -> value with provenance. */
export type SourceValues = Map<string, Sourced>;

/** A value's source as messages name it: `SSM /mlops/dcp/dq_table`, the file, the flag. */
export function describeSource(sourced: Sourced): string {
  switch (sourced.source) {
    case "default":
      return "the schema default";
    case "ssm":
      return `SSM ${sourced.origin}`;
    default:
      return sourced.origin;
  }
}

import { isInputKey, RUN_TIME_KEYS } from "../input/keys.js";
import { readJsonObjectFile } from "./json-file.js";
import type { Source } from "./source.js";
import type { SourceValues } from "./types.js";

export interface Tfvars {
  values: SourceValues;
  /** Terraform variables that are not input keys: ignored, listed for --explain. */
  ignored: string[];
}

/**
 * Terraform's tfvars.json holds the pipeline's variables; only `region`,
 * `use_case_name` and any other input key matter here, everything else is
 * Terraform's own business and is ignored.
 */
export async function readTfvars(file: string, name = "--tfvars"): Promise<Tfvars> {
  const variables = await readJsonObjectFile(file, {
    name,
    holds: "Terraform variables",
    fix: "Pass --tfvars FILE.",
  });
  const values: SourceValues = new Map();
  const ignored: string[] = [];
  for (const [key, value] of Object.entries(variables)) {
    if (isInputKey(key)) values.set(key, { value, source: "tfvars", origin: file });
    else ignored.push(key);
  }
  return { values, ignored };
}

/** tfvars.json as a source: its input keys; the variables it ignores, for --explain. */
export function tfvarsSource(file: string, name = "--tfvars"): Source {
  return {
    name: "tfvars.json",
    async read() {
      const { values, ignored } = await readTfvars(file, name);
      return {
        values,
        explain:
          ignored.length > 0 ? [`ignored tfvars variables (not input keys): ${ignored.join(", ")}`] : [],
      };
    },
    // Any key may be set here, except what batchinf works out at run time.
    whereFrom: (key) => (RUN_TIME_KEYS.includes(key) ? undefined : `set it in ${file}`),
  };
}

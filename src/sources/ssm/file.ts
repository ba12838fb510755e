import { readJsonObjectFile } from "../json-file.js";
import type { RawParameter } from "./parameters.js";

/**
 * `--ssm-file FILE` stands in for Parameter Store: a JSON object of key ->
 * value, each entry a parameter named by its key (JSON-object values expand
 * as a parameter's do). It is how `render --dry-run` runs with no AWS account.
 */
export async function readSsmFile(file: string, name = "--ssm-file"): Promise<RawParameter[]> {
  const entries = await readJsonObjectFile(file, {
    name,
    holds: "key -> value",
    fix: "Pass a JSON file of key -> value.",
  });
  return Object.entries(entries).map(([key, value]) => ({ name: key, value }));
}

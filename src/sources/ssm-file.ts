import { readJsonObjectFile } from "./json-file.js";
import { type SsmSnapshot, snapshotFromParameters } from "./ssm-values.js";

/**
 * `--ssm-file FILE` stands in for Parameter Store: a JSON object of key ->
 * value, interpreted exactly as parameters are (JSON-object values expand).
 * It is how `render --dry-run` runs with no AWS account.
 */
export async function readSsmFile(file: string, name = "--ssm-file"): Promise<SsmSnapshot> {
  const entries = await readJsonObjectFile(file, {
    name,
    holds: "key -> value",
    fix: "Pass a JSON file of key -> value.",
  });
  const parameters = Object.entries(entries).map(([name, value]) => ({ name, value }));
  return snapshotFromParameters(parameters, (name) => `${file}#${name}`);
}

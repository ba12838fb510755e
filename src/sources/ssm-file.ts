import { readFile } from "node:fs/promises";
import { InputError } from "../errors.js";
import { JsonSyntaxError, parseJsonDocument } from "../json/document.js";
import { type SsmSnapshot, snapshotFromParameters } from "./ssm-values.js";
import { describeFsError, jsonKind } from "./tfvars.js";

/**
 * `--ssm-file FILE` stands in for Parameter Store: a JSON object of key ->
 * value, interpreted exactly as parameters are (JSON-object values expand).
 * It is how `render --dry-run` runs with no AWS account.
 */
export async function readSsmFile(file: string): Promise<SsmSnapshot> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error: unknown) {
    throw new InputError(
      `Cannot read --ssm-file ${file}: ${describeFsError(error)}. Pass a JSON file of key -> value.`,
      {
        cause: error,
      },
    );
  }
  let parsed: unknown;
  try {
    parsed = parseJsonDocument(text).value;
  } catch (error: unknown) {
    if (error instanceof JsonSyntaxError) {
      throw new InputError(
        `${file}:${error.at.line}:${error.at.column}: ${error.message}. Fix the JSON in --ssm-file ${file}.`,
      );
    }
    throw error;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new InputError(
      `--ssm-file ${file} must hold a JSON object of key -> value, not ${jsonKind(parsed)}.`,
    );
  }
  const parameters = Object.entries(parsed).map(([name, value]) => ({ name, value }));
  return snapshotFromParameters(parameters, (name) => `${file}#${name}`);
}

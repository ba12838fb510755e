import { readFile } from "node:fs/promises";
import { InputError } from "../errors.js";
import { isInputKey } from "../input/keys.js";
import { JsonSyntaxError, parseJsonDocument } from "../json/document.js";
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
export async function readTfvars(file: string): Promise<Tfvars> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error: unknown) {
    throw new InputError(`Cannot read tfvars file ${file}: ${describeFsError(error)}. Pass --tfvars FILE.`, {
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = parseJsonDocument(text).value;
  } catch (error: unknown) {
    if (error instanceof JsonSyntaxError) {
      throw new InputError(
        `${file}:${error.at.line}:${error.at.column}: ${error.message}. Fix the JSON in ${file}.`,
      );
    }
    throw error;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new InputError(`${file} must hold a JSON object of Terraform variables, not ${jsonKind(parsed)}.`);
  }
  const values: SourceValues = new Map();
  const ignored: string[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (isInputKey(key)) values.set(key, { value, source: "tfvars", origin: file });
    else ignored.push(key);
  }
  return { values, ignored };
}

export function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

export function describeFsError(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

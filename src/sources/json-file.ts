import { readFile } from "node:fs/promises";
import { InputError } from "../errors.js";
import { JsonSyntaxError, parseJsonDocument } from "../json/document.js";

/**
 * Read a file that must hold one JSON object. Each way it can be wrong is
 * one InputError naming the file (and line:col for bad JSON) and the fix.
 */
export async function readJsonObjectFile(
  file: string,
  describe: { name: string; holds: string; fix: string },
): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error: unknown) {
    throw new InputError(`Cannot read ${describe.name} ${file}: ${describeFsError(error)}. ${describe.fix}`, {
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = parseJsonDocument(text).value;
  } catch (error: unknown) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    throw new InputError(
      `${file}:${error.at.line}:${error.at.column}: ${error.message}. Fix the JSON in ${describe.name} ${file}.`,
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new InputError(
      `${describe.name} ${file} must hold a JSON object of ${describe.holds}, not ${jsonKind(parsed)}.`,
    );
  }
  return parsed as Record<string, unknown>;
}

export function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function describeFsError(error: unknown): string {
  switch ((error as { code?: string }).code) {
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

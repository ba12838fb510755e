import { InputError } from "../errors.js";
import { clipText } from "../io/one-line.js";
import { parseJsonDocument } from "../json/document.js";
import { duplicateKeyMessage, findDuplicateKeys } from "../json/duplicate-keys.js";
import { MAX_JSON_DEPTH, nestingDepth } from "../json/limits.js";
import { InputFileError, readInputText } from "./input-file.js";

/** How a file is named in messages, and what the user should do about a bad one. */
export interface JsonFileDescription {
  /** `--tfvars`, `BATCHINF_TFVARS`, `--ssm-file`...: how the user named the file. */
  name: string;
  holds: string;
  fix: string;
}

/**
 * Read a file that must hold one JSON object, within the contract's limits
 * (see readInputText, MAX_JSON_DEPTH) and without duplicate keys. Each way
 * it can be wrong is one InputError naming the file (and line:col for bad
 * JSON or a duplicate key) and the fix.
 */
export async function readJsonObjectFile(
  file: string,
  describe: JsonFileDescription,
): Promise<Record<string, unknown>> {
  const shown = clipText(file);
  let text: string;
  try {
    text = readInputText(file);
  } catch (error: unknown) {
    if (!(error instanceof InputFileError)) throw error;
    throw new InputError(`Cannot read ${describe.name} ${shown}: ${error.reason}. ${describe.fix}`, {
      cause: error,
    });
  }
  const depth = nestingDepth(text);
  if (depth > MAX_JSON_DEPTH) {
    throw new InputError(
      // The file was found and read: "Pass --tfvars FILE." (describe.fix) would not help; it is the wrong file.
      `${describe.name} ${shown} nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels; ${describe.name} must hold a JSON object of ${describe.holds}: check it names the right file.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The slow parser only for a broken file: it says where.
    const at = syntaxPosition(text);
    throw new InputError(
      `${shown}:${at.line}:${at.column}: ${at.message}. Fix the JSON in ${describe.name} ${shown}.`,
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new InputError(
      `${describe.name} ${shown} must hold a JSON object of ${describe.holds}, not ${jsonKind(parsed)}.`,
    );
  }
  const { duplicates } = findDuplicateKeys(text, parsed);
  if (duplicates.length > 0) {
    throw new InputError(
      `${describe.name} ${shown} names ${duplicates.length === 1 ? "a key" : `${duplicates.length} keys`} twice, and only the last would count; keep one of each.`,
      {
        details: duplicates.map(
          (duplicate) =>
            `${shown}:${duplicate.at.line}:${duplicate.at.column} ${clipText(duplicate.key)}: ${duplicateKeyMessage(duplicate)} [duplicate-key]`,
        ),
      },
    );
  }
  return parsed as Record<string, unknown>;
}

function syntaxPosition(text: string): { line: number; column: number; message: string } {
  try {
    parseJsonDocument(text);
  } catch (error: unknown) {
    const e = error as { at?: { line: number; column: number }; message?: string };
    return { line: e.at?.line ?? 1, column: e.at?.column ?? 1, message: e.message ?? "invalid JSON" };
  }
  return { line: 1, column: 1, message: "invalid JSON" };
}

export function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

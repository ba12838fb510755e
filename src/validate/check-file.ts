import {
  escapePointer,
  type JsonDocument,
  JsonSyntaxError,
  type Position,
  parseJsonDocument,
} from "../json/document.js";
import { duplicateKeyMessage, hasDuplicateKeys } from "../json/duplicate-keys.js";
import { MAX_JSON_DEPTH, nestingDepth } from "../json/limits.js";
import { credentialsInText } from "../secrets/url.js";
import { InputFileError, readInputText } from "../sources/input-file.js";
import type { FileRef } from "./discovery.js";
import { validateInput } from "./input.js";
import { type Problem, withoutUrlCredentials } from "./problem.js";

/** A problem found in a file, with where it stands (no position for a file that could not be read). */
export interface LocatedProblem {
  problem: Problem;
  at?: Position;
}

export interface FileReport {
  /** The path as printed: relative to the working directory when inside it, else absolute. */
  file: string;
  problems: LocatedProblem[];
  errors: number;
  warnings: number;
  /** Credentials of URLs in the file's values: the caller masks them in every report. */
  credentials: string[];
}

/**
 * Check one file. A file that breaks the input limits (too large, too deep,
 * not UTF-8, not a regular file or pipe) is one problem of that file; the
 * caller goes on with the others.
 */
export function checkFile(file: FileRef, now: number): FileReport {
  let text: string;
  try {
    text = readInputText(file.absolute);
  } catch (error: unknown) {
    if (!(error instanceof InputFileError)) throw error;
    return report(file.display, [fileProblem(error.problem, `cannot be validated: ${error.reason}`)], []);
  }
  return report(file.display, checkText(text, now), credentialsInText(text));
}

function report(file: string, problems: LocatedProblem[], credentials: string[]): FileReport {
  let errors = 0;
  for (const { problem } of problems) if (problem.severity === "error") errors++;
  return { file, problems, errors, warnings: problems.length - errors, credentials };
}

function fileProblem(rule: string, message: string): LocatedProblem {
  return { problem: { severity: "error", pointer: "", rule, message } };
}

/**
 * All problems of one file's text, in file order. The common case, a valid
 * file, takes the fast path (JSON.parse, a duplicate-key scan, the
 * validator); only a file with a problem is parsed again with positions.
 * Nesting is measured first, so no parser or walk recurses deeper than 100.
 */
export function checkText(text: string, now: number): LocatedProblem[] {
  const body = stripBom(text);
  const depth = nestingDepth(body);
  if (depth > MAX_JSON_DEPTH) {
    return [
      fileProblem(
        "too-deep",
        `arrays or objects nest deeper than ${MAX_JSON_DEPTH} levels; the input is a flat object of 25 strings`,
      ),
    ];
  }
  let value: unknown;
  let parsed = true;
  try {
    value = JSON.parse(body);
  } catch {
    parsed = false;
  }
  let problems: Problem[] | undefined;
  if (parsed && !hasDuplicateKeys(body, value)) {
    problems = validateInput(value, { now });
    if (problems.length === 0) return [];
  }

  let doc: JsonDocument;
  try {
    doc = parseJsonDocument(text);
  } catch (error: unknown) {
    return [syntaxProblem(error, body)];
  }
  const located: LocatedProblem[] = doc.duplicates.map((duplicate) => ({
    problem: {
      severity: "error",
      pointer: `${duplicate.pointer}/${escapePointer(duplicate.key)}`,
      key: duplicate.key,
      rule: "duplicate-key",
      message: duplicateKeyMessage(duplicate),
    },
    at: duplicate.at,
  }));
  for (const problem of problems ?? validateInput(doc.value, { now })) {
    located.push({ problem: withoutUrlCredentials(problem), at: locateProblem(problem, doc) });
  }
  // Stable: problems at the same place keep the validator's order.
  return located.sort(
    (a, b) => (a.at?.line ?? 0) - (b.at?.line ?? 0) || (a.at?.column ?? 0) - (b.at?.column ?? 0),
  );
}

/**
 * An unknown key is shown at its name; a missing key at the object that
 * lacks it; everything else at the offending value.
 */
function locateProblem(problem: Problem, doc: JsonDocument): Position {
  switch (problem.rule) {
    case "unknown-key":
      return doc.locateKey(problem.pointer);
    case "required":
      return doc.locate(problem.pointer.slice(0, Math.max(0, problem.pointer.lastIndexOf("/"))));
    default:
      return doc.locate(problem.pointer);
  }
}

function syntaxProblem(error: unknown, body: string): LocatedProblem {
  if (error instanceof JsonSyntaxError) {
    return {
      problem: { severity: "error", pointer: "", rule: "json-syntax", message: error.message },
      at: error.at,
    };
  }
  // JSON.parse can reject what the positional parser accepted (a raw control
  // character inside a string); V8 says where, as an offset.
  if (error instanceof SyntaxError) {
    const offset = /at position (\d+)/.exec(error.message)?.[1];
    const reason = error.message
      .replace(/\s*in JSON at position \d+.*$/s, "")
      .replace(/^\w/, (c) => c.toLowerCase());
    const hint = /control character/i.test(reason) ? "; escape it (\\n, \\t, \\u0001)" : "";
    return {
      problem: {
        severity: "error",
        pointer: "",
        rule: "json-syntax",
        message: `invalid JSON: ${reason}${hint}`,
      },
      at: offset === undefined ? { line: 1, column: 1 } : positionOf(body, Number(offset)),
    };
  }
  throw error;
}

function positionOf(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

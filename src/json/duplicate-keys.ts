import { clipText } from "../io/one-line.js";
import { type DuplicateKey, type JsonDocument, parseJsonDocument } from "./document.js";
import { endOfString } from "./limits.js";

/**
 * The one duplicate-key detector, shared by `validate` and the readers of
 * --tfvars and --ssm-file: JSON.parse silently keeps the last of two equal
 * keys, which hides a typo'd override, so both call it an error.
 */

/**
 * Whether any object in `text` names a key twice. `text` must be valid JSON
 * and `value` what JSON.parse made of it: a duplicate is exactly a key token
 * in the text that left no key behind in the value. A scan with indexOf
 * from string to string: no regex, whose backtracking overflowed the stack
 * on a 10 MB string.
 */
export function hasDuplicateKeys(text: string, value: unknown): boolean {
  return countKeyTokens(text) !== countKeys(value);
}

/** Every duplicate with its position (the slow path: only for text that has some). */
export function findDuplicateKeys(
  text: string,
  value: unknown,
): { doc?: JsonDocument; duplicates: DuplicateKey[] } {
  if (!hasDuplicateKeys(text, value)) return { duplicates: [] };
  const doc = parseJsonDocument(text);
  return { doc, duplicates: doc.duplicates };
}

/** The sentence every report of a duplicate uses. */
export function duplicateKeyMessage(duplicate: DuplicateKey): string {
  return `duplicate key '${clipText(duplicate.key)}' (first at ${duplicate.firstAt.line}:${duplicate.firstAt.column}); JSON.parse would silently keep the last value`;
}

function countKeyTokens(text: string): number {
  let keys = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) {
    i = endOfString(text, i);
    let next = i + 1;
    while (next < text.length && isSpace(text.charCodeAt(next))) next++;
    if (text.charCodeAt(next) === 0x3a /* : */) keys++;
  }
  return keys;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function countKeys(value: unknown): number {
  // Iterative: the depth limit makes recursion safe, but this needs no limit at all.
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === null || typeof item !== "object") continue;
    if (Array.isArray(item)) {
      for (const element of item) stack.push(element);
      continue;
    }
    for (const key in item) {
      count++;
      stack.push((item as Record<string, unknown>)[key]);
    }
  }
  return count;
}

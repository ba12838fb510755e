/**
 * One log record is one line. Anything printed that did not come from
 * batchinf itself (keys, values, file names, AWS messages, copied log lines)
 * goes through these helpers, so it can neither break a line (and forge the
 * next one, or a FILE:LINE:COL problem for Jenkins' Warnings plugin) nor
 * colour or rewrite the Jenkins log with escape sequences.
 */

/** Values quoted in messages are cut to this many characters. */
export const MAX_QUOTED_CHARS = 200;

/**
 * C0 controls (tab, LF, CR, ESC...), DEL, C1 controls, the Unicode line and
 * paragraph separators, and the bidirectional overrides that can make a line
 * read differently from what it holds.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const SHORT: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** `a\nb\u001b[31m` -> `a\\nb\\u001b[31m`: the text, escaped so it stays on one line and colourless. */
export function escapeControl(text: string): string {
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * JSON.stringify, made safe for a JSON-lines log: it leaves DEL, C1 controls
 * and U+2028/2029 raw, which some readers take as line breaks or terminal
 * commands. They can only stand inside strings, so escaping them keeps the
 * line valid JSON.
 */
export function jsonLine(value: unknown): string {
  return (JSON.stringify(value) ?? "null").replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Masks the secrets in free text (Secrets#maskText): given, it runs before any cut or escape. */
export type Mask = (text: string) => string;

/**
 * A value as a message quotes it: JSON-quoted, escaped to one line, cut to
 * 200 characters with its full length named, so a 50 MB value costs one
 * short line, e.g. `"aaaa…" (52428800 characters; the first 200 shown)`.
 * Pass `mask` wherever the value may hold a secret: masking after the cut
 * or the quoting would miss a secret cut in two or escaped.
 */
export function quoteValue(value: unknown, max = MAX_QUOTED_CHARS, mask?: Mask): string {
  if (mask) value = typeof value === "string" ? mask(value) : maskJson(value, mask);
  if (typeof value === "string") {
    if (value.length <= max) return escapeControl(JSON.stringify(value));
    return `${escapeControl(JSON.stringify(`${cut(value, max)}…`))} (${value.length} characters; the first ${max} shown)`;
  }
  const text = JSON.stringify(value) ?? String(value);
  if (text.length <= max) return escapeControl(text);
  return `${escapeControl(cut(text, max))}… (${text.length} characters; the first ${max} shown)`;
}

/** Free text (a name, a message) on one line and at most `max` characters, its full length named; masked first. */
export function clipText(text: string, max = MAX_QUOTED_CHARS, mask?: Mask): string {
  if (mask) text = mask(text);
  if (text.length <= max) return escapeControl(text);
  return `${escapeControl(cut(text, max))}… (${text.length} characters)`;
}

/** A non-string value with its strings masked, still a value (quoted as JSON afterwards). */
function maskJson(value: unknown, mask: Mask): unknown {
  if (typeof value === "string") return mask(value);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => maskJson(item, mask));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [mask(key), maskJson(item, mask)]));
}

/** The first `max` UTF-16 units, never splitting a surrogate pair. */
function cut(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/**
 * An option and the value it was given, as messages name them:
 * `--date='yesterday'`, or `BATCHINF_DATE='yesterday'` when the value came
 * from the environment (pass CommandContext.optionLabel's answer as `label`).
 */
export function optionValue(label: string, value: string): string {
  return `${label}='${clipText(value)}'`;
}

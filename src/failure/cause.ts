import { MASK } from "../secrets/secrets.js";
import { cleanCredentialUrlsInText } from "../secrets/url.js";
import { isRecord } from "../tasks/fields.js";
import { causeHeadline, type KnownCause, parseKindCause } from "../tasks/registry.js";

/**
 * Step Functions passes a failed `.sync` task's cause as a JSON string: for
 * Glue the GetJobRun `JobRun`, for Batch the DescribeJobs job, both with
 * PascalCase keys (`Id`, `JobRunState`, `ErrorMessage`, `LogGroupName`;
 * `JobId`, `Status`, `StatusReason`, `Attempts[].Container`, `Container`).
 * The kinds in src/tasks/ parse their own shapes; this module tells JSON
 * from text, and keeps the values of a Batch job's `Environment` out of every
 * output.
 */

export type ParsedCause =
  | KnownCause
  /** JSON, but no kind's shape (an SDK integration's error, a generic task's cause). */
  | { kind: "json"; value: unknown }
  | { kind: "text"; text: string };

export function parseCause(cause: string | undefined): ParsedCause | undefined {
  if (cause === undefined || cause.trim() === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(cause);
  } catch {
    return { kind: "text", text: cause };
  }
  if (!isRecord(parsed)) return { kind: "json", value: parsed };
  return parseKindCause(parsed) ?? { kind: "json", value: parsed };
}
// ---------------------------------------------------------------------------
// Batch Environment values

/** Keys under which Batch (and the ECS task it runs) keep a container's `[{Name, Value}]` environment. */
const ENVIRONMENT_KEYS = new Set(["Environment", "environment"]);

/**
 * A copy of `value` in which every Batch container environment entry keeps
 * its name and loses its value (`****`). Works on any JSON value: a DescribeJobs
 * job, a task's output, the execution's output, and the JSON documents nested
 * inside their strings (a Catch puts the cause, itself JSON, in a string). A
 * string that mentions an `Environment` but is not JSON (a cause cut short)
 * has every `"Value": "..."` after that mention masked.
 */
export function redactBatchEnvironment<T>(value: T): T {
  return redact(value, false) as T;
}

function redact(value: unknown, inEnvironment: boolean): unknown {
  if (typeof value === "string") return redactString(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, inEnvironment));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (inEnvironment && (key === "Value" || key === "value")) {
      out[key] = MASK;
    } else if (ENVIRONMENT_KEYS.has(key) && Array.isArray(item)) {
      out[key] = item.map((entry) => redact(entry, true));
    } else {
      out[key] = redact(item, false);
    }
  }
  return out;
}

function redactString(text: string): string {
  if (!/environment/i.test(text)) return text;
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      const redacted = redact(parsed, false);
      // Re-serialise only when something changed, so untouched text keeps its layout.
      return JSON.stringify(redacted) === JSON.stringify(parsed) ? text : JSON.stringify(redacted);
    } catch {
      // not JSON after all: fall through to the textual fallback
    }
  }
  return redactText(text);
}

/**
 * Text fallback for a cause that is not JSON (Step Functions cuts causes at
 * 32,768 characters): after the first `Environment` key, every `Value`
 * string is masked up to its real closing quote, escaped quotes inside it
 * included, and a value the cut left open is masked to the end. Works on the
 * cause itself and on a cause nested in a string one level deep (`\"`).
 */
function redactText(text: string): string {
  const start = text.search(/\\?"[Ee]nvironment\\?"/);
  if (start < 0) return text;
  const key = /\\?"[Vv]alue\\?"\s*:\s*(\\?")/g;
  key.lastIndex = start;
  let out = text.slice(0, start);
  let copied = start;
  for (let match = key.exec(text); match; match = key.exec(text)) {
    const valueStart = match.index + match[0].length;
    const valueEnd = closingQuote(text, valueStart, match[1] === '\\"');
    out += `${text.slice(copied, valueStart)}${MASK}`;
    copied = valueEnd;
    key.lastIndex = Math.max(valueEnd, valueStart);
  }
  return out + text.slice(copied);
}

/**
 * Where a JSON string that starts at `from` ends: at a quote preceded by an
 * even number of backslashes; nested one level (`\"...\"`), at a quote
 * preceded by 1, 5, 9... (3 is an escaped quote inside). The end of the text
 * when the cut left it open.
 */
function closingQuote(text: string, from: number, nested: boolean): number {
  for (let at = text.indexOf('"', from); at >= 0; at = text.indexOf('"', at + 1)) {
    let backslashes = 0;
    while (at - backslashes - 1 >= from && text[at - backslashes - 1] === "\\") backslashes++;
    if (!nested && backslashes % 2 === 0) return at;
    if (nested && backslashes % 4 === 1) return at - 1;
  }
  return text.length;
}

// ---------------------------------------------------------------------------
// Pretty-printing

/**
 * The cause as lines for the log: a headline (which run, what status, why),
 * then the JSON pretty-printed with any Batch environment values masked.
 * Anything not JSON is returned as it is, line by line.
 */
export function explainCause(cause: string | undefined): string[] {
  const parsed = parseCause(cause);
  if (!parsed) return [];
  if (parsed.kind === "text") return redactBatchEnvironment(parsed.text).split("\n");
  const value: unknown = redactBatchEnvironment(JSON.parse(cause as string));
  const pretty = JSON.stringify(value, null, 2).split("\n");
  if (parsed.kind === "json") return pretty;
  return [...causeHeadline(parsed), "cause:", ...pretty.map((line) => `  ${line}`)];
}

// ---------------------------------------------------------------------------

/**
 * Text and data that came from AWS (a failure's error and cause, an
 * execution's output) as batchinf may keep and print them: a Batch job's
 * Environment values masked, and the credentials of any URL in them dropped
 * (a job's error message can quote a URL with a token, and the contract drops
 * URL credentials wherever the URL comes from). Applied where they are read,
 * so every report, log line and result has them clean.
 */
export function sanitizeAwsValue<T>(value: T): T {
  return cleanUrlsDeep(redactBatchEnvironment(value)) as T;
}

function cleanUrlsDeep(value: unknown): unknown {
  if (typeof value === "string") return cleanUrlsInString(value);
  if (Array.isArray(value)) return value.map(cleanUrlsDeep);
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, cleanUrlsDeep(item)]));
}

/**
 * A string from AWS that is itself JSON (a cause, a Catch's nested cause) is
 * cleaned as the values it holds, not as text: `https:\/\/` escapes and a
 * `\"` after a URL must neither hide a credential nor be taken into the URL.
 * It is re-serialised only when something was removed.
 */
function cleanUrlsInString(text: string): string {
  if (!text.includes(":")) return text;
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      const cleaned = cleanUrlsDeep(parsed);
      return JSON.stringify(cleaned) === JSON.stringify(parsed) ? text : JSON.stringify(cleaned);
    } catch {
      // Not JSON after all (a cause cut short): clean it as text.
    }
  }
  if (!text.includes("://") && !text.includes(":\\/\\/")) return text;
  // A cut JSON text may still write `https:\/\/`: seen as a URL, changed only where a credential goes.
  const unescaped = text.replaceAll(":\\/\\/", "://");
  const cleaned = cleanCredentialUrlsInText(unescaped);
  return cleaned === unescaped ? text : cleaned;
}

import { escapeControl } from "../io/one-line.js";

/**
 * The one secrets boundary: what is secret (SecureString values, credentials
 * found in URLs) and how it is masked. Every output path masks through an
 * instance of this class:
 *
 * - `maskValue(value)` on data before it is serialised (JSON.stringify, XML,
 *   a table): values of secret keys become MASK whatever their length, and
 *   every string in it (keys too) is masked as free text;
 * - `maskText(text)` where free text is all there is (an AWS message, a
 *   copied log line): every occurrence of a secret of 4 characters or more,
 *   raw, JSON-escaped or URL-encoded.
 *
 * `--show-secrets` (`revealed`) lifts the masking of SecureString values,
 * never that of URL credentials.
 */
export const MASK = "****";

/** Shorter values would mask innocent text ("1", "a") everywhere; by key they are still masked. */
export const MIN_FREE_TEXT_SECRET = 4;

/** Masking an occurrence can form a new one next to the mask; a few passes reach the fixed point. */
const MAX_PASSES = 4;

export class Secrets {
  private readonly forms = new Set<string>();
  private readonly keys = new Set<string>();
  private ordered: string[] | undefined;

  constructor(readonly revealed = false) {}

  /** A SecureString value: masked in free text from now on (unless --show-secrets). */
  add(value: string): void {
    if (this.revealed) return;
    this.remember(value);
  }

  /** A credential (a URL's password or token): masked even with --show-secrets. */
  addCredential(value: string): void {
    this.remember(value);
  }

  /**
   * An input key whose value is secret: `maskValue` shows MASK for it
   * whatever the value's length (a 3-character SecureString too).
   */
  addKey(key: string): void {
    if (!this.revealed) this.keys.add(key);
  }

  isSecretKey(key: string): boolean {
    return this.keys.has(key);
  }

  /** How many encoded forms of secrets are known (0: masking is a no-op). */
  get size(): number {
    return this.forms.size;
  }

  /** Mask every known secret in free text, in every encoding it can take there. */
  maskText(text: string): string {
    if (this.forms.size === 0 || text.length < MIN_FREE_TEXT_SECRET) return text;
    let out = text;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const next = maskOnce(out, this.orderedForms());
      if (next === out) return out;
      out = next;
    }
    return out;
  }

  /**
   * A deep copy with the values of secret keys replaced by MASK and every
   * other string (keys too) masked as free text. Call it before
   * serialising, never on the serialised text.
   */
  maskValue<T>(value: T): T {
    if (this.forms.size === 0 && this.keys.size === 0) return value;
    return this.maskDeep(value) as T;
  }

  /** One key's value as it may be printed: MASK for a secret key, else masked as `maskValue` does. */
  maskEntry(key: string, value: unknown): unknown {
    return this.keys.has(key) && value !== undefined ? MASK : this.maskValue(value);
  }

  private maskDeep(value: unknown): unknown {
    if (typeof value === "string") return this.maskText(value);
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((item) => this.maskDeep(item));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[this.maskText(key)] = this.keys.has(key) ? MASK : this.maskDeep(item);
    }
    return out;
  }

  private remember(value: string): void {
    if (value.length < MIN_FREE_TEXT_SECRET) return;
    for (const form of encodings(value)) this.forms.add(form);
    this.ordered = undefined;
  }

  private orderedForms(): string[] {
    this.ordered ??= [...this.forms];
    return this.ordered;
  }
}

/**
 * Replace every occurrence of every form at once: the spans of all matches
 * (overlapping ones, one secret inside another, two secrets side by side)
 * are merged and each merged span becomes one MASK, so no part of a secret
 * survives next to a mask.
 */
function maskOnce(text: string, forms: readonly string[]): string {
  const spans: Array<[number, number]> = [];
  for (const form of forms) {
    for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1)) {
      spans.push([at, at + form.length]);
    }
  }
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let out = "";
  let cursor = 0;
  let start = spans[0]?.[0] ?? 0;
  let end = start;
  for (const [from, to] of spans) {
    if (from > end) {
      out += `${text.slice(cursor, start)}${MASK}`;
      cursor = end;
      start = from;
    }
    end = Math.max(end, to);
  }
  return `${out}${text.slice(cursor, start)}${MASK}${text.slice(end)}`;
}

/**
 * The forms a secret takes in output: raw; JSON-escaped (inside a string
 * literal, once and twice, and ASCII-only as Python's json.dumps writes
 * it); URL-encoded (encodeURIComponent, encodeURI, form encoding, lower-case
 * hex); and escaped for one log line.
 */
export function encodings(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const forms = new Set([
    value,
    json,
    JSON.stringify(json).slice(1, -1),
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the complement of ASCII, controls included.
    json.replace(/[^\u0000-\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
    escapeControl(value),
  ]);
  for (const encoded of urlEncodings(value)) {
    forms.add(encoded);
    forms.add(encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()));
  }
  return [...forms].filter((form) => form.length >= MIN_FREE_TEXT_SECRET);
}

function urlEncodings(value: string): string[] {
  const out: string[] = [];
  // encodeURI* throw on a lone surrogate: such a value has no URL-encoded form to hide.
  for (const encode of [encodeURIComponent, encodeURI]) {
    try {
      out.push(encode(value));
    } catch {}
  }
  out.push(new URLSearchParams([["", value]]).toString().slice(1));
  return out;
}

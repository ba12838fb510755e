// v2's free-text masker (src/secrets/secrets.ts at commit 1cc4569), kept as
// the baseline that bench/masker.ts measures the per-character matcher
// against, and as the list of whole-value forms the tests look for in
// outputs (test/helpers/leaks.ts). Only the Secrets class around it was cut
// down to the two calls the bench makes; the matching is v2's, unchanged:
// every secret expands to a list of encodings of the whole value, each found
// with indexOf.
import { escapeControl } from "../../src/io/one-line.js";

export const MASK = "****";

/** Shorter values would mask innocent text ("1", "a") everywhere; by key they are still masked. */
export const MIN_FREE_TEXT_SECRET = 4;

/** Masking an occurrence can form a new one next to the mask; a few passes reach the fixed point. */
const MAX_PASSES = 4;

export class V2Masker {
  private readonly forms = new Set<string>();
  private ordered: string[] | undefined;

  add(value: string): void {
    if (value.length < MIN_FREE_TEXT_SECRET) return;
    for (const form of encodings(value)) this.forms.add(form);
    this.ordered = undefined;
  }

  maskText(text: string): string {
    if (this.forms.size === 0 || text.length < MIN_FREE_TEXT_SECRET) return text;
    this.ordered ??= [...this.forms];
    let out = text;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const next = maskOnce(out, this.ordered);
      if (next === out) return out;
      out = next;
    }
    return out;
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

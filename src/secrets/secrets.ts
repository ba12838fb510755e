import { SecretMatcher, type Span } from "./matcher.js";
import { cleanCredentialUrlsInText, credentialsInText } from "./url.js";

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
 *   each of its characters raw or encoded as tools encode it (percent, `+`,
 *   JSON and backslash escapes, HTML character references), in any mix
 *   (see SecretMatcher).
 *
 * `--show-secrets` (`revealed`) lifts the masking of SecureString values,
 * never that of URL credentials: `maskText` drops those from every URL it
 * meets, whatever the URL's source.
 */
export const MASK = "****";

/** Shorter values would mask innocent text ("1", "a") everywhere; by key they are still masked. */
export const MIN_FREE_TEXT_SECRET = 4;

/** Masking an occurrence can form a new one next to the mask; a few passes reach the fixed point. */
const MAX_PASSES = 4;

export class Secrets {
  /** Secret values of MIN_FREE_TEXT_SECRET characters or more, as read (decoded). */
  private readonly values = new Set<string>();
  private readonly keys = new Set<string>();
  private matcher: SecretMatcher | undefined;

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
   * The credentials of every URL in these texts (the command line, the
   * environment's URL variables): masked from the first line on, in every
   * encoding, wherever they turn up without their URL.
   */
  addUrlCredentials(texts: Iterable<string>): void {
    for (const text of texts)
      for (const credential of credentialsInText(text)) this.addCredential(credential);
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

  /** How many secret values are masked in free text (0: masking is a no-op). */
  get size(): number {
    return this.values.size;
  }

  /**
   * Free text as it may be printed: the credentials of every URL in it
   * dropped (whatever the URL's source: this is the one choke point every
   * log line, report and stdout document passes, so no message can forget
   * it), then every known secret masked, however each of its characters is
   * encoded there.
   */
  maskText(text: string): string {
    const cleaned = cleanCredentialUrlsInText(text);
    if (this.values.size === 0 || cleaned.length < MIN_FREE_TEXT_SECRET) return cleaned;
    this.matcher ??= new SecretMatcher(this.values);
    let out = cleaned;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const next = maskSpans(out, this.matcher.spans(out));
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
    // Even with no secret known, a string may hold a URL with credentials.
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
    // Text reaches us a line at a time (a CloudWatch Logs event, an error
    // message's line): a secret that spans lines arrives cut at its breaks,
    // so each of its lines is a secret of its own.
    const lines = value.split(/\r\n|\r|\n|\u2028|\u2029/);
    const parts = lines.length > 1 ? [value, ...lines.map((line) => line.trim())] : [value];
    for (const part of parts) {
      if (part.length < MIN_FREE_TEXT_SECRET || this.values.has(part)) continue;
      this.values.add(part);
      this.matcher = undefined;
    }
  }
}

/**
 * Replace every span at once: overlapping ones (one secret inside another,
 * two secrets side by side) are merged and each merged span becomes one
 * MASK, so no part of a secret survives next to a mask.
 */
function maskSpans(text: string, spans: Span[]): string {
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

/**
 * The one secrets boundary: what is secret (SecureString values, credentials
 * found in URLs) and how it is masked. Every output path masks through an
 * instance of this class: values before they are serialised (`maskValue`),
 * free text where text is all there is (`maskText`).
 */
export const MASK = "****";

/** Shorter values would mask innocent text ("1", "a") everywhere; by key they are still masked. */
export const MIN_FREE_TEXT_SECRET = 4;

export class Secrets {
  private readonly values = new Set<string>();

  constructor(readonly revealed = false) {}

  /** Remember a secret: from now on it is masked wherever it appears. */
  add(value: string): void {
    if (this.revealed || value.length < MIN_FREE_TEXT_SECRET) return;
    for (const form of encodings(value)) this.values.add(form);
  }

  get size(): number {
    return this.values.size;
  }

  /** Mask every known secret in free text, in every encoding it can take there. */
  maskText(text: string): string {
    if (this.values.size === 0) return text;
    let out = text;
    // Longest first, so a secret that contains another is masked whole.
    for (const secret of [...this.values].sort((a, b) => b.length - a.length)) {
      if (out.includes(secret)) out = out.split(secret).join(MASK);
    }
    return out;
  }

  /** A deep copy with every string (keys too) masked: call it before JSON.stringify, not after. */
  maskValue<T>(value: T): T {
    if (this.values.size === 0) return value;
    return maskDeep(value, (text) => this.maskText(text)) as T;
  }
}

/** The forms a secret takes in output: raw, JSON-escaped (inside a string literal), URL-encoded. */
function encodings(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const forms = new Set([value, json, encodeURIComponent(value), encodeURI(value)]);
  return [...forms].filter((form) => form.length >= MIN_FREE_TEXT_SECRET);
}

function maskDeep(value: unknown, mask: (text: string) => string): unknown {
  if (typeof value === "string") return mask(value);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, mask));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[mask(key)] = maskDeep(item, mask);
  return out;
}

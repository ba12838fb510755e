import type { Secrets } from "./secrets.js";

/**
 * The one way a document becomes JSON text (the result, `--output json`,
 * `render`, `stop`, `validate --format json`): masked as data first (secret
 * keys' values and secrets in every string), then serialised, two-space
 * indented, one final newline. Masking the text afterwards would miss a
 * secret that JSON escaping changed.
 */
export function maskedJson(value: unknown, secrets: Secrets): string {
  return `${JSON.stringify(secrets.maskValue(value), null, 2)}\n`;
}

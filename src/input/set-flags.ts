import { InputError } from "../errors.js";
import { clipText } from "../io/one-line.js";
import type { SourceValues } from "../sources/types.js";
import { isControlKey, isInputKey, nearestKey } from "./keys.js";

/**
 * `--set KEY=VALUE`, the last word on any key. Checked before any file or
 * network is touched: a typo'd key should fail in a millisecond, not after SSM.
 * `label` names the option as the user gave it (`--set` or `BATCHINF_SET`).
 * Messages quote the key, never the value: it may be a secret or a token.
 */
export function parseSetFlags(pairs: readonly string[], label = "--set"): SourceValues {
  const values: SourceValues = new Map();
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      throw new InputError(
        `${label} takes KEY=VALUE, and one of its values has no ${eq === 0 ? "KEY" : "'='"}; write e.g. --set dq_table=dqresults.`,
      );
    }
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1);
    const shownKey = `${label} ${clipText(key)}`;
    if (isControlKey(key)) {
      throw new InputError(`${shownKey}: ${key} is not an input key; pass --state-machine-arn instead.`);
    }
    if (!isInputKey(key)) {
      const suggestion = nearestKey(key);
      throw new InputError(
        `${shownKey}: '${clipText(key)}' is not an input key${suggestion ? `; did you mean '${suggestion}'?` : "; run `batchinf schema` for the 25 keys."}`,
      );
    }
    values.set(key, { value, source: "set", origin: label });
  }
  return values;
}

import { InputError } from "../errors.js";
import type { SourceValues } from "../sources/types.js";
import { isControlKey, isInputKey, nearestKey } from "./keys.js";

/**
 * `--set KEY=VALUE`, the last word on any key. Checked before any file or
 * network is touched: a typo'd key should fail in a millisecond, not after SSM.
 */
export function parseSetFlags(pairs: readonly string[]): SourceValues {
  const values: SourceValues = new Map();
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      throw new InputError(`--set '${pair}' is not KEY=VALUE; write e.g. --set dq_table=dqresults.`);
    }
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1);
    if (isControlKey(key)) {
      throw new InputError(`--set ${key}=... is not an input key; pass --state-machine-arn instead.`);
    }
    if (!isInputKey(key)) {
      const suggestion = nearestKey(key);
      throw new InputError(
        `--set ${key}: '${key}' is not an input key${suggestion ? `; did you mean '${suggestion}'?` : "; run `batchinf schema` for the 25 keys."}`,
      );
    }
    values.set(key, { value, source: "set", origin: "--set" });
  }
  return values;
}

import { parseSetFlags } from "../input/set-flags.js";
import type { Source } from "./source.js";

/** `--set KEY=VALUE` as a source; the flags are checked when it is built, before any file is read. */
export function setSource(flags: readonly string[], label: string): Source {
  const values = parseSetFlags(flags, label);
  return { name: "--set", read: async () => ({ values }) };
}

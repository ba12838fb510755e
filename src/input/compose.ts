import type { Sourced, SourceName, SourceValues } from "../sources/types.js";
import { INPUT_KEYS, type InputKey, schemaDefaults } from "./keys.js";

export interface Override {
  key: string;
  from: Sourced;
  to: Sourced;
}

export interface ProvenanceEntry extends Sourced {
  /** Lower-precedence values this one replaced, nearest first. */
  overrode: Sourced[];
}

export interface Composition {
  /** Input keys in the seed sample's order; absent keys are simply missing. */
  input: Record<string, unknown>;
  provenance: Partial<Record<InputKey, ProvenanceEntry>>;
  /** A higher source replaced a different value from a lower one. */
  overrides: Override[];
  missing: InputKey[];
}

/** The sources' values, lowest precedence first (see src/sources/input-sources.ts). */
export type Layers = readonly SourceValues[];

export const MAPPING_SUFFIX = "/mapping_json/mapping_json.json";
const MAPPING_KEY = "mapping_json_S3_path";

/**
 * Precedence, lowest to highest; a later layer overrides an earlier one:
 *
 *   1. schema defaults
 *   2. each source's values, in the order of `sources` (the list in
 *      src/sources/input-sources.ts: SSM < tfvars < git < date < --set)
 *   3. mapping_json_S3_path, derived, just below the last (highest) layer
 *
 * This is the only merge. mapping_json_S3_path is derived from the
 * s3_bucket_name_internal that wins overall (so `--set
 * s3_bucket_name_internal=...` moves the mapping too), yet it sits below the
 * highest layer, so an explicit `--set mapping_json_S3_path=` still wins.
 */
export function compose(sources: Layers): Composition {
  const defaults: SourceValues = new Map(
    Object.entries(schemaDefaults()).map(([key, value]) => [
      key,
      { value, source: "default" as SourceName, origin: "schema default" },
    ]),
  );
  const derived: SourceValues = new Map();
  const bucket = lastValue([defaults, ...sources], "s3_bucket_name_internal");
  if (typeof bucket?.value === "string" && bucket.value !== "") {
    derived.set(MAPPING_KEY, {
      value: `s3://${bucket.value}${MAPPING_SUFFIX}`,
      source: "derived",
      origin: "s3://<s3_bucket_name_internal>/mapping_json/mapping_json.json",
    });
  }
  const layers: SourceValues[] = [defaults, ...sources.slice(0, -1), derived, ...sources.slice(-1)];

  const provenance: Composition["provenance"] = {};
  const overrides: Override[] = [];
  for (const layer of layers) {
    for (const [key, sourced] of layer) {
      if (!(INPUT_KEYS as readonly string[]).includes(key)) continue;
      const inputKey = key as InputKey;
      const previous = provenance[inputKey];
      if (previous && !sameValue(previous.value, sourced.value)) {
        overrides.push({ key, from: stripOverrode(previous), to: sourced });
      }
      provenance[inputKey] = {
        ...sourced,
        overrode: previous ? [stripOverrode(previous), ...previous.overrode] : [],
      };
    }
  }

  const input: Record<string, unknown> = {};
  const missing: InputKey[] = [];
  for (const key of INPUT_KEYS) {
    const entry = provenance[key];
    if (entry) input[key] = entry.value;
    else missing.push(key);
  }
  return { input, provenance, overrides, missing };
}

/** Why the composer itself could not give a key (one it derives), for the missing-key message. */
export function derivedWhereFrom(key: InputKey): string | undefined {
  return key === MAPPING_KEY ? "is derived from s3_bucket_name_internal, which is missing too" : undefined;
}

function lastValue(layers: readonly SourceValues[], key: string): Sourced | undefined {
  let found: Sourced | undefined;
  for (const layer of layers) found = layer.get(key) ?? found;
  return found;
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

function stripOverrode(entry: ProvenanceEntry): Sourced {
  const { overrode: _overrode, ...sourced } = entry;
  return sourced;
}

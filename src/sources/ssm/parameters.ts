import { InputError } from "../../errors.js";
import { type ControlKey, isControlKey, isInputKey } from "../../input/keys.js";
import { parseJsonObject } from "../../json/parse-object.js";
import type { Sourced, SourceValues } from "../types.js";

/** One parameter as read from Parameter Store (or a snapshot file). */
export interface RawParameter {
  name: string;
  value: unknown;
  type?: "String" | "StringList" | "SecureString";
}

/**
 * What SSM contributes: input values, control values (never sent) and the
 * keys nobody asked for. The live source and `--ssm-file` both produce it, so
 * composition cannot tell them apart.
 */
export interface SsmSnapshot {
  values: SourceValues;
  control: Partial<Record<ControlKey, Sourced>>;
  /** Keys that are neither input nor control keys, with their parameter. */
  unused: Array<{ key: string; origin: string }>;
}

/**
 * A parameter's key is the last segment of its name; a parameter whose value
 * is a JSON object contributes each of its keys instead. Two parameters that
 * give one key different values are an error: sending either would be a guess.
 */
export function snapshotFromParameters(
  parameters: readonly RawParameter[],
  describe: (name: string) => string,
): SsmSnapshot {
  const values: SourceValues = new Map();
  const control: SsmSnapshot["control"] = {};
  const unused: SsmSnapshot["unused"] = [];
  const conflicts: string[] = [];

  const add = (key: string, value: unknown, origin: string, secret: boolean) => {
    const sourced: Sourced = { value, source: "ssm", origin, ...(secret ? { secret } : {}) };
    if (isControlKey(key)) {
      control[key] = sourced;
      return;
    }
    if (!isInputKey(key)) {
      unused.push({ key, origin });
      return;
    }
    const earlier = values.get(key);
    if (earlier && JSON.stringify(earlier.value) !== JSON.stringify(value)) {
      conflicts.push(`${key}: ${earlier.origin} and ${origin} disagree`);
      return;
    }
    if (!earlier) values.set(key, sourced);
  };

  for (const parameter of parameters) {
    const origin = describe(parameter.name);
    const secret = parameter.type === "SecureString";
    const object = jsonObjectValue(parameter.value);
    if (object) {
      for (const [key, value] of Object.entries(object)) add(key, value, `${origin} (.${key})`, secret);
    } else {
      add(lastSegment(parameter.name), parameter.value, origin, secret);
    }
  }
  if (conflicts.length > 0) {
    throw new InputError(
      `SSM gives ${conflicts.length === 1 ? "a key" : `${conflicts.length} keys`} two different values; remove one of the parameters or pin the value with --set KEY=VALUE.`,
      { details: conflicts },
    );
  }
  return { values, control, unused };
}

export function lastSegment(name: string): string {
  const parts = name.split("/").filter(Boolean);
  return parts[parts.length - 1] ?? name;
}

/** Terraform often writes a whole map as one JSON parameter; expand it. */
function jsonObjectValue(value: unknown): Record<string, unknown> | undefined {
  if (value !== null && typeof value === "object" && !Array.isArray(value))
    return value as Record<string, unknown>;
  if (typeof value !== "string" || !value.trimStart().startsWith("{")) return undefined;
  return parseJsonObject(value);
}

/**
 * A Task's parameters resolved against the composed input, as far as that can
 * be known before the execution runs: literal values, `"X.$": "$.key"`
 * (a simple JSONPath into the input) and JSONata `"{% $states.input.key %}"`,
 * at any depth (`Entries[0].EventBusName.$`). Anything else (the context
 * object, intrinsic functions, other expressions, a key the input does not
 * have) becomes an Unresolvable leaf: preflight says so and checks nothing
 * there, rather than guessing.
 */

import type { TaskNeeds } from "./preflight.js";

/** A Task state as preflight reads it: its parameters as written, and their language. */
export interface TaskParameters {
  parameters: Record<string, unknown>;
  queryLanguage: "JSONPath" | "JSONata";
}

export class Unresolvable {
  constructor(readonly expression: string) {}
}

const SIMPLE_PATH = /^\$((?:\.[A-Za-z_][A-Za-z0-9_]*|\['[^']+'\])+)$/;
const JSONATA_INPUT = /^\{%\s*\$states\.input((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*%\}$/;

/** The parameters with `.$` dropped from JSONPath field names, as Step Functions passes them. */
export function resolveParameters(
  use: TaskParameters,
  input: Record<string, unknown>,
): Record<string, unknown> {
  return resolveValue(use.parameters, input, use.queryLanguage) as Record<string, unknown>;
}

function resolveValue(
  raw: unknown,
  input: Record<string, unknown>,
  language: TaskParameters["queryLanguage"],
): unknown {
  if (Array.isArray(raw)) return raw.map((item) => resolveValue(item, input, language));
  if (typeof raw === "string" && language === "JSONata" && raw.trim().startsWith("{%")) {
    return resolveJsonata(raw, input);
  }
  if (typeof raw !== "object" || raw === null) return raw;
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(raw)) {
    if (language === "JSONPath" && field.endsWith(".$")) {
      out[field.slice(0, -2)] =
        typeof value === "string" ? resolvePath(value, input) : new Unresolvable(String(value));
    } else {
      out[field] = resolveValue(value, input, language);
    }
  }
  return out;
}

function resolvePath(path: string, input: Record<string, unknown>): unknown {
  const match = SIMPLE_PATH.exec(path.trim());
  if (!match) return new Unresolvable(path);
  const segments = [...(match[1] ?? "").matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)|\['([^']+)'\]/g)].map(
    (m) => m[1] ?? m[2] ?? "",
  );
  return lookup(segments, input, path);
}

function resolveJsonata(expression: string, input: Record<string, unknown>): unknown {
  const match = JSONATA_INPUT.exec(expression.trim());
  if (!match) return new Unresolvable(expression);
  return lookup((match[1] ?? "").split(".").filter(Boolean), input, expression);
}

function lookup(segments: string[], input: Record<string, unknown>, expression: string): unknown {
  let current: unknown = input;
  for (const segment of segments) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, segment)) {
      return new Unresolvable(expression);
    }
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** A string at `path` in resolved parameters; undefined when absent; Unresolvable when not known now. */
export function stringAt(
  params: unknown,
  path: ReadonlyArray<string | number>,
): string | Unresolvable | undefined {
  let current: unknown = params;
  for (const step of path) {
    if (current instanceof Unresolvable) return current;
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  if (current instanceof Unresolvable || typeof current === "string") return current;
  return current === undefined ? undefined : new Unresolvable(JSON.stringify(current));
}

/** A string field a kind needs, or nothing: an unresolvable one is noted in `needs` as not checked. */
export function neededField(
  needs: TaskNeeds,
  params: unknown,
  path: Array<string | number>,
): string | undefined {
  const value = stringAt(params, path);
  if (value instanceof Unresolvable) {
    needs.unresolved.push({ field: path.join("."), expression: value.expression });
    return undefined;
  }
  return value;
}

/** An empty TaskNeeds to fill. */
export function noNeeds(): TaskNeeds {
  return { resources: [], unresolved: [], permissions: [] };
}

/** `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` in the state machine's partition, region and account. */
export function arnIn(
  where: { partition: string; region: string; account: string },
  service: string,
  resource: string,
): string {
  return `arn:${where.partition}:${service}:${where.region}:${where.account}:${resource}`;
}

import { isRecord } from "./fields.js";

/**
 * Step Functions records a `.sync` task's job document with PascalCase keys
 * (`ExecutionTime`, `Attempts[].StartedAt`), the services' own JSON uses
 * camelCase (`executionTime`, `attempts[].startedAt`), and emulators pick
 * either: a field is read under both spellings.
 */
export function field(record: Record<string, unknown>, pascal: string): unknown {
  if (pascal in record) return record[pascal];
  const camel = pascal.charAt(0).toLowerCase() + pascal.slice(1);
  return record[camel];
}

export function recordField(record: Record<string, unknown>, pascal: string): Record<string, unknown> {
  const value = field(record, pascal);
  return isRecord(value) ? value : {};
}

export function listField(record: Record<string, unknown>, pascal: string): Record<string, unknown>[] {
  const value = field(record, pascal);
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** A finite, non-negative number, also from a numeric string (Batch's `resourceRequirements[].value` is one). */
export function amount(value: unknown): number | undefined {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Epoch milliseconds from a number (the JSON form) or an ISO date string. */
export function epochMs(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string") {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

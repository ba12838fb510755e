// Reading an awsJson request's fields as the real services validate them:
// a missing required member is a ValidationException, a member of the wrong
// JSON type a SerializationException. Shared by every fake service.

import { AwsFault } from "./types.js";

export type Input = Record<string, unknown>;

export function validation(detail: string): AwsFault {
  return new AwsFault("ValidationException", `1 validation error detected: ${detail}`);
}

export function requiredString(input: Input, field: string): string {
  const value = input[field];
  if (value === undefined || value === null) {
    throw validation(`Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  }
  if (typeof value !== "string")
    throw new AwsFault("SerializationException", `Expected a string for ${field}`);
  return value;
}

export function optionalString(input: Input, field: string): string | undefined {
  return optional(input, field, "a string", (value) => typeof value === "string") as string | undefined;
}

export function optionalNumber(input: Input, field: string): number | undefined {
  return optional(input, field, "a number", (value) => typeof value === "number") as number | undefined;
}

export function optionalInteger(input: Input, field: string): number | undefined {
  return optional(input, field, "an integer", (value) => Number.isInteger(value)) as number | undefined;
}

export function optionalBoolean(input: Input, field: string): boolean | undefined {
  return optional(input, field, "a boolean", (value) => typeof value === "boolean") as boolean | undefined;
}

function optional(input: Input, field: string, what: string, ok: (value: unknown) => boolean): unknown {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (!ok(value)) throw new AwsFault("SerializationException", `Expected ${what} for ${field}`);
  return value;
}

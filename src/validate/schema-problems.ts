import type { ErrorObject } from "ajv";
import schema from "../../schemas/batch-inference-input.schema.json" with { type: "json" };
import validateCompiled from "../generated/input-validator.js";
import { nearestKey } from "../input/keys.js";
import { type Mask, quoteValue } from "../io/one-line.js";
import type { Problem } from "./problem.js";

type SchemaNode = { description?: string; type?: string; maxLength?: number; minLength?: number };

/**
 * Run the precompiled schema validator and turn Ajv's errors into problems a
 * person can act on: which key, what value, which rule, what is allowed.
 */
export function schemaProblems(input: unknown, mask?: Mask): Problem[] {
  if (validateCompiled(input)) return [];
  const problems: Problem[] = [];
  for (const error of validateCompiled.errors ?? []) {
    problems.push(toProblem(error, input, mask));
  }
  return problems;
}

function toProblem(error: ErrorObject, input: unknown, mask?: Mask): Problem {
  const key = topKey(error.instancePath);
  const value = key === undefined ? undefined : (input as Record<string, unknown>)[key];
  switch (error.keyword) {
    case "required": {
      const missing = String((error.params as { missingProperty: string }).missingProperty);
      return {
        severity: "error",
        pointer: `/${missing}`,
        key: missing,
        rule: "required",
        message: `is missing; every one of the 25 input keys is required (${ruleText(`#/properties/${missing}`)})`,
      };
    }
    case "additionalProperties": {
      const extra = String((error.params as { additionalProperty: string }).additionalProperty);
      const suggestion = nearestKey(extra);
      return {
        severity: "error",
        pointer: `/${extra}`,
        key: extra,
        value: (input as Record<string, unknown>)[extra],
        rule: "unknown-key",
        message: `is not an input key${suggestion ? `; did you mean '${suggestion}'?` : "; the state machine accepts only the 25 keys of the schema (batchinf schema)"}`,
      };
    }
    case "type":
      if (error.instancePath === "") {
        return {
          severity: "error",
          pointer: "",
          rule: "type",
          message: `the input must be a JSON object, not ${kind(input)}`,
        };
      }
      return {
        severity: "error",
        pointer: error.instancePath,
        key,
        value,
        rule: "type",
        message: `must be a string, not ${kind(value)}${typeof value === "number" || typeof value === "boolean" ? ` (write "${String(value)}")` : ""}`,
      };
    case "pattern":
      return {
        severity: "error",
        pointer: error.instancePath,
        key,
        value,
        rule: "pattern",
        message: `${quoteValue(value, undefined, mask)} is not allowed; expected ${lowerFirst(ruleText(parentPath(error.schemaPath)))}`,
      };
    case "maxLength":
    case "minLength": {
      const limit = (error.params as { limit: number }).limit;
      const length = typeof value === "string" ? [...value].length : 0;
      return {
        severity: "error",
        pointer: error.instancePath,
        key,
        value,
        rule: error.keyword,
        message: `${quoteValue(value, undefined, mask)} has ${length} characters; ${error.keyword === "maxLength" ? "at most" : "at least"} ${limit} allowed: ${ruleText(parentPath(error.schemaPath))}`,
      };
    }
    default:
      return {
        severity: "error",
        pointer: error.instancePath,
        key,
        value,
        rule: error.keyword,
        message: error.message ?? "does not match the schema",
      };
  }
}

/** The description of the schema node a keyword belongs to states the rule. */
function ruleText(schemaPath: string): string {
  const node = resolve(schemaPath);
  return node?.description?.replace(/\.$/, "") ?? "see `batchinf schema`";
}

function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0]?.toLowerCase() + text.slice(1) : text;
}

function resolve(schemaPath: string): SchemaNode | undefined {
  let node: unknown = schema;
  for (const segment of schemaPath.replace(/^#\/?/, "").split("/").filter(Boolean)) {
    node = (node as Record<string, unknown> | undefined)?.[
      segment.replaceAll("~1", "/").replaceAll("~0", "~")
    ];
  }
  return node as SchemaNode | undefined;
}

function parentPath(schemaPath: string): string {
  return schemaPath.slice(0, schemaPath.lastIndexOf("/"));
}

function topKey(instancePath: string): string | undefined {
  const first = instancePath.split("/")[1];
  return first === undefined ? undefined : first.replaceAll("~1", "/").replaceAll("~0", "~");
}

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

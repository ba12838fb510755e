/**
 * The Task states of a state machine definition, wherever they sit (inside
 * Parallel branches and Map processors too), each with its integration and
 * its parameters as written: what preflight reads resources from.
 */

export interface TaskUse {
  /** The state's name (a nested state's name alone; names are unique per machine in practice). */
  state: string;
  /** `arn:aws:states:::glue:startJobRun.sync`, or a Lambda function ARN. */
  resource: string;
  /** `Parameters` (JSONPath) or `Arguments` (JSONata), as written. */
  parameters: Record<string, unknown>;
  queryLanguage: "JSONPath" | "JSONata";
}

import type { IntegrationPattern } from "../execution/preflight.js";

type Integration = IntegrationPattern;

const INTEGRATION =
  /^arn:aws[a-z-]*:states:[a-z0-9-]*:\d{0,12}:(aws-sdk:)?([a-z0-9-]+):([A-Za-z0-9]+)(\.sync(?::2)?|\.waitForTaskToken)?$/;

export function parseIntegration(resource: string): Integration | undefined {
  const match = INTEGRATION.exec(resource);
  if (match) {
    const suffix = match[4] ?? "";
    return {
      service: match[2] ?? "",
      action: match[3] ?? "",
      pattern: suffix.startsWith(".sync") ? "sync" : suffix ? "callback" : "request-response",
      sdk: match[1] !== undefined,
    };
  }
  return undefined;
}

type Json = Record<string, unknown>;

/** Every Task state, depth first in declaration order; a definition that does not parse has none. */
export function taskUses(definition: string | undefined): TaskUse[] {
  if (!definition) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch {
    return [];
  }
  const uses: TaskUse[] = [];
  walk(parsed, "JSONPath", uses);
  return uses;
}

function walk(machine: unknown, inherited: TaskUse["queryLanguage"], uses: TaskUse[]): void {
  if (!isObject(machine)) return;
  const language = machine.QueryLanguage === "JSONata" ? "JSONata" : inherited;
  const states = isObject(machine.States) ? machine.States : {};
  for (const [name, raw] of Object.entries(states)) {
    if (!isObject(raw)) continue;
    const stateLanguage = raw.QueryLanguage === "JSONata" ? "JSONata" : language;
    if (raw.Type === "Task" && typeof raw.Resource === "string") {
      const parameters = stateLanguage === "JSONata" ? raw.Arguments : raw.Parameters;
      uses.push({
        state: name,
        resource: raw.Resource,
        parameters: isObject(parameters) ? parameters : {},
        queryLanguage: stateLanguage,
      });
    }
    if (raw.Type === "Parallel" && Array.isArray(raw.Branches)) {
      for (const branch of raw.Branches) walk(branch, stateLanguage, uses);
    }
    if (raw.Type === "Map") walk(raw.ItemProcessor ?? raw.Iterator, stateLanguage, uses);
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

import type { Mask } from "../io/one-line.js";
import { type CheckOptions, crossChecks } from "./checks.js";
import type { Problem } from "./problem.js";
import { schemaProblems } from "./schema-problems.js";

/**
 * The one validator: the schema first, then the cross-key checks on the keys
 * the schema accepted. `render`, `run` and `validate` all call this.
 */
export function validateInput(
  input: unknown,
  options: Omit<CheckOptions, "skip"> & { mask?: Mask } = {},
): Problem[] {
  const { mask, ...checks } = options;
  const problems = schemaProblems(input, mask);
  if (input === null || typeof input !== "object" || Array.isArray(input)) return problems;
  const rejected = new Set(
    problems.map((problem) => problem.key).filter((key): key is string => key !== undefined),
  );
  return [...problems, ...crossChecks(input as Record<string, unknown>, { ...checks, skip: rejected })];
}

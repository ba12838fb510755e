import type { Problem } from "./problem.js";

/**
 * `FILE:LINE:COL key: message`: the shape editors, Jenkins' warnings plugin
 * and people's eyes all parse. Without a file, `key: message`.
 */
export function formatProblem(problem: Problem, location?: string): string {
  const subject = problem.key ?? "input";
  const prefix = location ? `${location} ` : "";
  const tag = problem.severity === "warning" ? "warning: " : "";
  return `${prefix}${tag}${subject}: ${problem.message}`;
}

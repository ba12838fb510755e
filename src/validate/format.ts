import type { Problem } from "./problem.js";

/**
 * `FILE:LINE:COL key: message`: the shape editors, Jenkins' warnings plugin
 * and people's eyes all parse. Without a file, `key: message`.
 */
export function formatProblem(problem: Problem, location?: string): string {
  // Name the value unless the message already quotes it.
  const quoted = problem.value === undefined ? undefined : JSON.stringify(problem.value);
  const value =
    quoted !== undefined && quoted.length <= 200 && !problem.message.includes(quoted) ? ` ${quoted}` : "";
  const subject = `${problem.key ?? "input"}${value}`;
  const prefix = location ? `${location} ` : "";
  const tag = problem.severity === "warning" ? "warning: " : "";
  return `${prefix}${tag}${subject}: ${problem.message}`;
}

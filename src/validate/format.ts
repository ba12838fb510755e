import { clipText, escapeControl, type Mask, quoteValue } from "../io/one-line.js";
import type { Problem } from "./problem.js";

/**
 * `FILE:LINE:COL key: message`: the shape editors, Jenkins' warnings plugin
 * and people's eyes all parse. Without a file, `key: message`. Everything
 * that came from the input (the file name, the key, the value, the message
 * that quotes them) is escaped to one line, so a key holding a newline
 * cannot forge a second problem line; the value is cut to 200 characters.
 */
export function formatProblem(problem: Problem, location?: string, mask?: Mask): string {
  // Name the value unless the message already quotes it.
  const quoted = problem.value === undefined ? undefined : quoteValue(problem.value, undefined, mask);
  const value = quoted !== undefined && !problem.message.includes(quoted) ? ` ${quoted}` : "";
  const subject = `${problem.key === undefined ? "input" : clipText(problem.key, undefined, mask)}${value}`;
  const prefix = location ? `${escapeControl(location)} ` : "";
  const tag = problem.severity === "warning" ? "warning: " : "";
  return `${prefix}${tag}${subject}: ${escapeControl(problem.message)}`;
}

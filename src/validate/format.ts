import { clipText, escapeControl, type Mask, quoteValue } from "../io/one-line.js";
import type { Problem } from "./problem.js";

/**
 * `key value: message`, the part of a problem every output shares. Everything
 * that came from the input (the key, the value, the message that quotes them)
 * is escaped to one line, so a key holding a newline cannot forge a second
 * problem line; the value is cut to 200 characters.
 *
 * No severity tag: the log adds its own (`warning: `), and a tag here too
 * printed `warning: warning:`. A line that stands alone (validate's report)
 * puts the location and tag in front with `locatedProblemLine`.
 */
export function formatProblem(problem: Problem, mask?: Mask): string {
  // Name the value unless the message already quotes it.
  const quoted = problem.value === undefined ? undefined : quoteValue(problem.value, undefined, mask);
  const value = quoted !== undefined && !problem.message.includes(quoted) ? ` ${quoted}` : "";
  const subject = `${problem.key === undefined ? "input" : clipText(problem.key, undefined, mask)}${value}`;
  return `${subject}: ${escapeControl(problem.message)}`;
}

/**
 * `FILE:LINE:COL warning: key: message`: the shape editors, Jenkins' warnings
 * plugin and people's eyes all parse, for lines printed without a logger.
 */
export function locatedProblemLine(problem: Problem, location: string, mask?: Mask): string {
  const tag = problem.severity === "warning" ? "warning: " : "";
  return `${escapeControl(location)} ${tag}${formatProblem(problem, mask)}`;
}

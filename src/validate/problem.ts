import { quoteValue } from "../io/one-line.js";
import { MASK } from "../secrets/secrets.js";
import { cleanUrlsInText } from "../secrets/url.js";

/** One finding about an input: an error stops the run, a warning only informs. */
export interface Problem {
  severity: "error" | "warning";
  /** JSON pointer of the value concerned ("" for the whole input). */
  pointer: string;
  /** The input key concerned, when there is one. */
  key?: string;
  /** The offending value, when there is one (masked by the printer if secret). */
  value?: unknown;
  /** Short rule name, e.g. "pattern", "required", "arn-region" (JUnit and JSON output use it). */
  rule: string;
  /** What is wrong and what is allowed, in words. */
  message: string;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((problem) => problem.severity === "error");
}

/**
 * The problem as it may be printed when its key's value is secret: the
 * value is MASK, and the message, which quotes it (`"abc" is not allowed`),
 * quotes MASK instead, whatever the value's length.
 */
export function maskProblem(problem: Problem, isSecretKey: (key: string) => boolean): Problem {
  if (problem.key === undefined || problem.value === undefined || !isSecretKey(problem.key)) return problem;
  return {
    ...problem,
    value: MASK,
    message: problem.message.split(quoteValue(problem.value)).join(quoteValue(MASK)),
  };
}

/** A URL in the problem's value (a payload's, --set's) loses its credentials before any report quotes it. */
export function withoutUrlCredentials(problem: Problem): Problem {
  if (typeof problem.value !== "string" || !problem.value.includes("://")) return problem;
  return { ...problem, value: cleanUrlsInText(problem.value), message: cleanUrlsInText(problem.message) };
}

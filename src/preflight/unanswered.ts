/**
 * A check whose call did not say yes or no: "not checked", with the reason.
 * Denied: the permission batchinf's own credentials lack (one summary line
 * names them all). Otherwise why the service could not answer: retries
 * exhausted, an operation the endpoint does not implement, an answer that
 * does not parse. Only the interrupt is rethrown: it ends the command.
 */

import { awsErrorName, classifyAwsError } from "../aws/errors.js";
import type { CheckResult } from "../execution/preflight.js";

const NOT_IMPLEMENTED = new Set([
  "UnknownOperationException",
  "InvalidAction",
  "NotImplemented",
  "MethodNotAllowed",
  "UnsupportedOperation",
]);

export function unanswered(
  error: unknown,
  permission: string,
): Pick<CheckResult, "outcome" | "message" | "lacks"> {
  const kind = classifyAwsError(error);
  if (kind === "aborted") throw error;
  const name = awsErrorName(error);
  const e = error as { message?: string; $metadata?: { attempts?: number; httpStatusCode?: number } };
  const message = (e.message ?? "").split("\n")[0]?.slice(0, 200) ?? "";
  if (kind === "access")
    return {
      outcome: "not-checked",
      message: `batchinf may not look (${permission} denied)`,
      lacks: permission,
    };
  const status = e.$metadata?.httpStatusCode;
  if (NOT_IMPLEMENTED.has(name) || status === 501 || status === 405) {
    return { outcome: "not-checked", message: `the endpoint does not implement ${permission} (${name})` };
  }
  if (kind === "throttling" || kind === "transient") {
    const attempts = e.$metadata?.attempts;
    return {
      outcome: "not-checked",
      message: `the service could not answer: retries exhausted${attempts ? ` after ${attempts} attempts` : ""} (${name}${message ? `: ${message}` : ""})`,
    };
  }
  if (
    /Deserialization error|Unexpected token|not valid JSON|XML/i.test(`${name} ${message}`) ||
    name === "SyntaxError"
  ) {
    return { outcome: "not-checked", message: `the service's answer could not be parsed (${name})` };
  }
  return {
    outcome: "not-checked",
    message: `the service could not answer (${name}${message ? `: ${message}` : ""})`,
  };
}

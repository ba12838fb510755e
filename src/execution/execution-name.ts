import { createHash } from "node:crypto";
import { InputError } from "../errors.js";

/** Step Functions allows 1 to 80 characters; batchinf keeps to the portable [A-Za-z0-9_-]. */
export const MAX_NAME = 80;
const ALLOWED = /^[A-Za-z0-9_-]{1,80}$/;

/** What Step Functions refuses in a state machine or execution name, besides whitespace and control characters. */
const FORBIDDEN = new Set('<>{}[]?*"#%\\^|~`$&,;:/');

/**
 * A name Step Functions accepts, so one it may return in an ARN: 1-80
 * characters without whitespace, brackets, wildcards, `"#%\^|~`$&,;:/` or
 * control characters (`v1.2-rerun`, `a+b`, `rerun-été`). Names batchinf
 * reads (wait, stop, a state machine from SSM) follow this rule; a name it
 * gives a new execution keeps to ALLOWED (CloudWatch Logs and the console
 * handle those everywhere).
 */
export function isServiceName(name: string): boolean {
  const chars = [...name];
  if (chars.length < 1 || chars.length > MAX_NAME) return false;
  return chars.every((ch) => {
    const code = ch.codePointAt(0) as number;
    if (FORBIDDEN.has(ch) || /\s/u.test(ch)) return false;
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0xfffe || code === 0xffff) return false;
    return !(code >= 0xd800 && code <= 0xdfff);
  });
}

/**
 * `<use_case_name>-<YYYYMMDD>-<suffix>`: the suffix is Jenkins' BUILD_TAG, so a
 * retried build reuses the name and Step Functions' idempotency prevents a
 * second run; without it, a UTC timestamp. Cut names get a short hash of the
 * full name so two long build tags cannot collide.
 */
export function defaultExecutionName(
  useCase: string,
  compactDate: string,
  buildTag: string | undefined,
  nowMs: number,
): string {
  const suffix = buildTag && buildTag.trim() !== "" ? sanitize(buildTag) : utcStamp(nowMs);
  const full = `${sanitize(useCase)}-${compactDate}-${suffix}`;
  if (full.length <= MAX_NAME) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 8);
  return `${full.slice(0, MAX_NAME - hash.length - 1).replace(/[-_]+$/, "")}-${hash}`;
}

export function assertExecutionName(name: string): void {
  if (!ALLOWED.test(name)) {
    throw new InputError(
      `--execution-name '${name}' is not allowed; use 1 to ${MAX_NAME} letters, digits, '-' and '_' (Step Functions' portable name characters).`,
    );
  }
}

/** Jenkins' BUILD_TAG is `jenkins-${JOB_NAME}-${BUILD_NUMBER}`; folder jobs add '/', some add spaces. */
function sanitize(text: string): string {
  return text
    .replace(/[^A-Za-z0-9_-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-|-$/g, "");
}

function utcStamp(nowMs: number): string {
  return new Date(nowMs)
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/[-:]/g, "");
}

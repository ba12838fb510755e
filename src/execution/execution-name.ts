import { createHash } from "node:crypto";
import { InputError } from "../errors.js";

/** Step Functions allows 1 to 80 characters; batchinf keeps to the portable [A-Za-z0-9_-]. */
export const MAX_NAME = 80;
const ALLOWED = /^[A-Za-z0-9_-]{1,80}$/;

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

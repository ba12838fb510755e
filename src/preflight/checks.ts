/**
 * The one place every check is looked up: the resources the input names, the
 * other integrations' and each registered task kind's own (src/tasks/).
 * Whatever AWS answers, checkResource returns a result in one of four
 * outcomes (only the interrupt ends the command).
 */

import type { PreflightCalls } from "../aws/preflight-calls.js";
import type { CheckResult, ResourceRef } from "../execution/preflight.js";
import { TASK_KINDS } from "../tasks/registry.js";
import { OTHER_INTEGRATIONS } from "./integrations.js";
import { type Check, INPUT_CHECKS } from "./resource-checks.js";
import { unanswered } from "./unanswered.js";

/** Every check, by resource kind: these, the other integrations' and each task kind's own. */
export const CHECKS: Readonly<Record<string, Check>> = Object.assign(
  {},
  INPUT_CHECKS,
  ...OTHER_INTEGRATIONS.map((integration) => integration.preflight.checks),
  ...TASK_KINDS.map((kind) => kind.preflight.checks),
);

/** Check one resource; whatever AWS answers, a result (an interrupt still ends the command). */
export async function checkResource(
  ref: ResourceRef,
  ctx: { calls: PreflightCalls; inputRegion?: string },
): Promise<CheckResult> {
  const check = CHECKS[ref.kind];
  const base = { kind: ref.kind, label: check?.label ?? ref.kind, resource: ref.id, sources: ref.sources };
  if (!check) return { ...base, outcome: "not-checked", message: "no check for this kind of resource" };
  try {
    return { ...base, ...(await check.check(ref.id, ctx)) };
  } catch (error) {
    return { ...base, ...unanswered(error, check.permission) };
  }
}

/**
 * The state machine role's permissions, simulated with
 * iam:SimulatePrincipalPolicy: for one resource, the actions its Tasks need.
 * A denied action is a failed check naming role, action and resource; the
 * simulation reads the role's identity-based policies (a resource's own
 * policy is not part of it).
 */

import { awsErrorName } from "../aws/errors.js";
import type { PreflightCalls } from "../aws/preflight-calls.js";
import { type CheckResult, type ResourceRef, ROLE_PERMISSIONS } from "../execution/preflight.js";
import { unanswered } from "./unanswered.js";

export async function checkPermissions(
  role: string,
  ref: ResourceRef,
  calls: PreflightCalls,
): Promise<CheckResult> {
  const base = {
    kind: ROLE_PERMISSIONS,
    label: "state machine role on",
    resource: ref.id,
    sources: ref.sources,
  };
  const actions = ref.actions ?? [];
  try {
    const decisions = await simulate(role, actions, ref.id, calls);
    const denied = actions.filter((action) => decisions.get(action.toLowerCase()) !== "allowed");
    if (denied.length === 0) return { ...base, outcome: "ok", message: `may ${actions.join(", ")}` };
    return {
      ...base,
      outcome: "failed",
      message: `may not ${denied.map((a) => `${a} (${decisions.get(a.toLowerCase()) ?? "not evaluated"})`).join(", ")}`,
      fix: `allow ${denied.join(", ")} on ${ref.id} in the policy of ${role}`,
    };
  } catch (error) {
    if (awsErrorName(error) === "NoSuchEntity" || awsErrorName(error) === "NoSuchEntityException") {
      return {
        ...base,
        outcome: "failed",
        message: `cannot be simulated: the role ${role} does not exist`,
        roleMissing: role,
        fix: "fix the state machine's roleArn, or create the role",
      };
    }
    return { ...base, ...unanswered(error, "iam:SimulatePrincipalPolicy") };
  }
}

/** Action (lower case) -> decision; the worst decision wins where a result names several resources. */
async function simulate(
  role: string,
  actions: string[],
  resource: string,
  calls: PreflightCalls,
): Promise<Map<string, string>> {
  const decisions = new Map<string, string>();
  let marker: string | undefined;
  do {
    const page = await calls.iam.simulatePrincipalPolicy({
      PolicySourceArn: role,
      ActionNames: actions,
      ...(resource === "*" ? {} : { ResourceArns: [resource] }),
      ...(marker ? { Marker: marker } : {}),
    });
    for (const result of page.EvaluationResults ?? []) {
      const action = (result.EvalActionName ?? "").toLowerCase();
      const specific = (result.ResourceSpecificResults ?? []).map((r) => r.EvalResourceDecision ?? "");
      for (const decision of [result.EvalDecision ?? "", ...specific]) {
        const previous = decisions.get(action);
        if (previous === undefined || rank(decision) > rank(previous)) decisions.set(action, decision);
      }
    }
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return decisions;
}

function rank(decision: string): number {
  return decision === "explicitDeny" ? 3 : decision === "implicitDeny" ? 2 : decision === "allowed" ? 1 : 0;
}

/**
 * The preflight bundle's entry (dist/batchinf-preflight-checks.mjs): every check of
 * a plan at once, then the report. No call waits on another except within a
 * check (a queue, then its compute environments; IAM's pages), so the wall
 * time is about the slowest two calls, whatever the number of resources.
 */

import { preflightCalls } from "../aws/preflight-calls.js";
import type { PreflightClients } from "../aws/preflight-clients.js";
import type { CheckResult, PreflightMode, PreflightReport } from "../execution/preflight.js";
import { checkResource } from "./checks.js";
import { checkPermissions } from "./permissions.js";
import type { PreflightPlan } from "./plan.js";

export async function runPreflight(
  plan: PreflightPlan,
  deps: {
    clients: PreflightClients;
    mode: PreflightMode;
    signal: AbortSignal;
    now: () => number;
    calls: () => number;
  },
): Promise<PreflightReport> {
  const started = deps.now();
  const callsBefore = deps.calls();
  const calls = preflightCalls(deps.clients, deps.signal);
  const ctx = { calls, ...(plan.inputRegion ? { inputRegion: plan.inputRegion } : {}) };
  const role = plan.role;
  const [resources, permissions] = await Promise.all([
    Promise.all(plan.resources.map((ref) => checkResource(ref, ctx))),
    Promise.all(role ? plan.permissions.map((ref) => checkPermissions(role, ref, calls)) : []),
  ]);
  const checks: CheckResult[] = [...resources, ...oneIfRoleMissing(permissions), ...plan.notChecked];
  const missingPermissions = [...new Set(checks.flatMap((c) => (c.lacks ? [c.lacks] : [])))].sort();
  return {
    mode: deps.mode,
    ...(role ? { role } : {}),
    checks,
    missingPermissions,
    durationMs: deps.now() - started,
    calls: deps.calls() - callsBefore,
  };
}

/** A role that does not exist fails every simulation the same way: said once, for the role. */
function oneIfRoleMissing(permissions: CheckResult[]): CheckResult[] {
  const missing = permissions.filter((check) => check.roleMissing);
  const [first] = missing;
  if (!first) return permissions;
  const { roleMissing: _flag, ...check } = first;
  return [
    {
      ...check,
      resource: first.roleMissing ?? first.resource,
      sources: [...new Set(missing.flatMap((c) => c.sources))],
    },
    ...permissions.filter((c) => !c.roleMissing),
  ];
}

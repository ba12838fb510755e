/**
 * Preflight's vocabulary: the resources an execution will need, where each
 * was found, and what checking it gave. Plain data: the log, the result file,
 * JUnit and HTML render it; nothing here calls AWS.
 */

export type PreflightMode = "strict" | "warn" | "off";

export type CheckOutcome = "ok" | "failed" | "warning" | "not-checked";

/**
 * What a resource is, as its check is registered: `s3-bucket`, or a task
 * kind's own (`<kind>-job`...), each declared by the module that checks it.
 */
export type ResourceKind = string;

/** The two kinds of check that are no resource: the role's permissions, a parameter not known now. */
export const ROLE_PERMISSIONS = "role-permissions";
export const TASK_PARAMETER = "task-parameter";

/** One resource to check, found once however many states and keys name it. */
export interface ResourceRef {
  kind: ResourceKind;
  /** As the check needs it: a name, an ARN, `s3://bucket/key`. */
  id: string;
  /** Where it was found: `state RunBatch JobQueue`, `input s3_bucket_name_internal`. */
  sources: string[];
  /** For role permissions: the actions the role needs on `id`. */
  actions?: string[];
}

export interface CheckResult {
  kind: ResourceKind;
  /** How the log names the kind: `S3 bucket`, `state machine role on`. */
  label: string;
  resource: string;
  outcome: CheckOutcome;
  /** What was found: `ENABLED and VALID`, `does not exist`. */
  message: string;
  /** What to do, for failed and warning checks. */
  fix?: string;
  sources: string[];
  /** The permission batchinf's own credentials lacked to look (not checked). */
  lacks?: string;
  /** A permission check whose role does not exist: the role (all such checks become one). */
  roleMissing?: string;
}

export interface PreflightReport {
  mode: PreflightMode;
  /** The state machine's role, whose permissions were simulated. */
  role?: string;
  checks: CheckResult[];
  /** Permissions batchinf's own credentials lack, to add to the role Jenkins runs as. */
  missingPermissions: string[];
  durationMs: number;
  /** AWS calls preflight made (SDK retries not counted). */
  calls: number;
}

export function countOutcomes(checks: readonly CheckResult[]): Record<CheckOutcome, number> {
  const counts: Record<CheckOutcome, number> = { ok: 0, failed: 0, warning: 0, "not-checked": 0 };
  for (const check of checks) counts[check.outcome] += 1;
  return counts;
}

/** What one check found. */
export interface Verdict {
  outcome: CheckOutcome;
  message: string;
  fix?: string;
}

/** Where a Task's resources live: its ARNs are built in the state machine's partition, region and account. */
export interface Where {
  partition: string;
  region: string;
  account: string;
}

/** What a Task of one integration needs, from its resolved parameters. */
export interface TaskNeeds {
  resources: Array<{ kind: ResourceKind; id: string; field: string }>;
  /** Fields whose value cannot be known before the run: `JobQueue` -> `$$.Execution.Input.q`. */
  unresolved: Array<{ field: string; expression: string }>;
  /** Actions the role needs on each resource ARN (`*` where the service has no resource-level control). */
  permissions: Array<{ resource: string; actions: string[] }>;
}

/** A Task's integration: `glue:startJobRun` run `.sync`, say. */
export interface IntegrationPattern {
  service: string;
  action: string;
  pattern: "request-response" | "sync" | "callback";
  /** `aws-sdk:` integrations name the SDK's action; preflight knows only the optimised ones. */
  sdk: boolean;
}

/**
 * How one kind of resource is checked. `Calls` is the AWS boundary's set of
 * read calls (src/aws/preflight-calls.ts): a check calls AWS only through it,
 * so the module that declares it imports no SDK code.
 */
export interface ResourceCheck<Calls = unknown> {
  /** How the log names it: `Glue job`, `S3 bucket`. */
  label: string;
  /** The permission batchinf's own credentials need to look: `s3:GetBucketLocation`. */
  permission: string;
  /** The part of a name or ARN that identifies it, so a queue named by name and by ARN is checked once. */
  canonical?(id: string): string;
  check(id: string, ctx: { calls: Calls; inputRegion?: string }): Promise<Verdict>;
}

/** What each Task kind brings to preflight (src/tasks/ for the kinds of the registry). */
export interface KindPreflight<Calls = unknown> {
  /** The resources, unresolvable fields and role permissions a Task's resolved parameters name. */
  needs(params: unknown, integration: IntegrationPattern, where: Where, taskResource: string): TaskNeeds;
  /** The checks of the resources it names, by resource kind. */
  checks: Record<ResourceKind, ResourceCheck<Calls>>;
  /** Input keys that name a resource of its service (the input's meaning), with the resource kind. */
  inputResources: ReadonlyArray<readonly [key: string, kind: ResourceKind]>;
}

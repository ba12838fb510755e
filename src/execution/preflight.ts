/**
 * Preflight's vocabulary: the resources an execution will need, where each
 * was found, and what checking it gave. Plain data: the log, the result file,
 * JUnit and HTML render it; nothing here calls AWS.
 */

export type PreflightMode = "strict" | "warn" | "off";

export type CheckOutcome = "ok" | "failed" | "warning" | "not-checked";

export type ResourceKind =
  | "glue-job"
  | "glue-database"
  | "batch-job-queue"
  | "batch-job-definition"
  | "lambda-function"
  | "sns-topic"
  | "event-bus"
  | "dynamodb-table"
  | "s3-bucket"
  | "s3-object"
  | "ssm-parameter"
  | "role-permissions"
  | "task-parameter";

/** How a log line names each kind. */
export const KIND_LABEL: Record<ResourceKind, string> = {
  "glue-job": "Glue job",
  "glue-database": "Glue database",
  "batch-job-queue": "Batch job queue",
  "batch-job-definition": "Batch job definition",
  "lambda-function": "Lambda function",
  "sns-topic": "SNS topic",
  "event-bus": "EventBridge bus",
  "dynamodb-table": "DynamoDB table",
  "s3-bucket": "S3 bucket",
  "s3-object": "S3 object",
  "ssm-parameter": "SSM parameter",
  "role-permissions": "state machine role on",
  "task-parameter": "task parameter",
};

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

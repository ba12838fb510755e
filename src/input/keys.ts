import schema from "../../schemas/batch-inference-input.schema.json" with { type: "json" };

/**
 * The 25 keys of the state machine's input, in the order of the seed's sample
 * input: `render` prints them in this order so a diff against the sample reads
 * line by line. A test keeps this list and the schema's `properties` in step.
 */
export const INPUT_KEYS = [
  "athena_pred_or_eval_table_name",
  "athenadb_name",
  "athenadb_debug_table_name",
  "athenadb_evaluation_summary_table_name",
  "train_statetable_name",
  "train_inputtable_name",
  "train_metatable_name",
  "s3_bucket_name_internal",
  "s3_bucket_name_shared",
  "mapping_json_S3_path",
  "aws_batch_job_definition_arn",
  "region",
  "year",
  "month",
  "day",
  "use_case_name",
  "aws_batch_job_queue",
  "aws_batch_job_name",
  "athenadb_metadata_table_name",
  "ssm_training_complete_status",
  "dq_athena_db",
  "dq_table",
  "email_topic_arn",
  "training_event_bus_name",
  "repository",
] as const;

export type InputKey = (typeof INPUT_KEYS)[number];

/** A composed input: every key present once composition succeeded. */
export type BatchInput = Record<InputKey, string>;

const KEY_SET: ReadonlySet<string> = new Set(INPUT_KEYS);

export function isInputKey(key: string): key is InputKey {
  return KEY_SET.has(key);
}

/** Keys batchinf works out at run time (git origin, execution date, the mapping path): no file holds them. */
export const RUN_TIME_KEYS: readonly InputKey[] = [
  "repository",
  "year",
  "month",
  "day",
  "mapping_json_S3_path",
];

/** Terraform's variables, which tfvars.json holds; its outputs (in SSM) are the other keys. */
export const VARIABLE_KEYS: readonly InputKey[] = ["region", "use_case_name"];

/**
 * Keys that may arrive through SSM beside the input but are never sent in it:
 * they steer batchinf itself.
 */
export const CONTROL_KEYS = ["state_machine_arn"] as const;
export type ControlKey = (typeof CONTROL_KEYS)[number];

export function isControlKey(key: string): key is ControlKey {
  return (CONTROL_KEYS as readonly string[]).includes(key);
}

type SchemaProperty = { default?: unknown; description?: string };

/** Defaults declared in the schema: the lowest-precedence source. */
export function schemaDefaults(): Partial<Record<InputKey, string>> {
  const defaults: Partial<Record<InputKey, string>> = {};
  const properties = schema.properties as Record<string, SchemaProperty>;
  for (const key of INPUT_KEYS) {
    const value = properties[key]?.default;
    if (typeof value === "string") defaults[key] = value;
  }
  return defaults;
}

/** Suggest the nearest known key for a misspelt one (edit distance <= 3). */
export function nearestKey(candidate: string): InputKey | undefined {
  // No key is longer than 40 characters; a 10 MB one is nobody's typo (and would cost seconds).
  if (candidate.length > 80) return undefined;
  let best: InputKey | undefined;
  let bestDistance = 4;
  for (const key of INPUT_KEYS) {
    const distance = editDistance(candidate.toLowerCase(), key.toLowerCase());
    if (distance < bestDistance) {
      best = key;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

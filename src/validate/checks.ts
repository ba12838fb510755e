import { parseArn, partitionOf } from "../aws/arn.js";
import { calendarDay } from "../calendar.js";
import type { Problem } from "./problem.js";

/** Step Functions rejects an execution input larger than this many bytes (UTF-8). */
export const MAX_INPUT_BYTES = 262_144;

/** Input keys whose value is, or may be, an ARN, with whether it must share the Batch account. */
const ARN_KEYS = [
  { key: "aws_batch_job_definition_arn", sameAccountRequired: true },
  { key: "aws_batch_job_queue", sameAccountRequired: true },
  { key: "email_topic_arn", sameAccountRequired: false },
  { key: "training_event_bus_name", sameAccountRequired: false },
] as const;

export interface CheckOptions {
  /** Milliseconds since the epoch; a date after today is unusual. */
  now?: number;
  /** Keys the schema already rejected: a second complaint about them is noise. */
  skip?: ReadonlySet<string>;
}

/**
 * Rules a JSON Schema cannot state: they relate several keys or need a
 * calendar. An error where AWS or the pipeline would fail, a warning where a
 * value is only unusual.
 */
export function crossChecks(input: Record<string, unknown>, options: CheckOptions = {}): Problem[] {
  const skip = options.skip ?? new Set<string>();
  const str = (key: string): string | undefined => {
    const value = input[key];
    return typeof value === "string" && !skip.has(key) ? value : undefined;
  };
  return [
    ...calendarDate(str("year"), str("month"), str("day"), options.now),
    ...arnsMatchRegion(str, str("region")),
    ...mappingInsideBucket(str("mapping_json_S3_path"), str("s3_bucket_name_internal")),
    ...bucketsDistinct(str("s3_bucket_name_internal"), str("s3_bucket_name_shared")),
    ...sizeLimit(input),
  ];
}

function calendarDate(year?: string, month?: string, day?: string, now?: number): Problem[] {
  if (year === undefined || month === undefined || day === undefined) return [];
  const found = calendarDay(Number(year), Number(month), Number(day));
  if (!found.ok) {
    return [
      {
        severity: "error",
        pointer: "/day",
        key: "day",
        value: day,
        rule: "calendar-date",
        message: `${year}-${month}-${day} is not a real calendar date (${found.reason}); fix year/month/day or pass --date YYYY-MM-DD`,
      },
    ];
  }
  // A day of slack: the pipeline's zone may be ahead of UTC.
  if (now !== undefined && found.ms > now + 86_400_000) {
    return [
      {
        severity: "warning",
        pointer: "/day",
        key: "day",
        value: day,
        rule: "future-date",
        message: `${year}-${month}-${day} is in the future; is --date right?`,
      },
    ];
  }
  return [];
}

function arnsMatchRegion(str: (key: string) => string | undefined, region?: string): Problem[] {
  const problems: Problem[] = [];
  let batchAccount: { key: string; account: string } | undefined;
  for (const { key, sameAccountRequired } of ARN_KEYS) {
    const value = str(key);
    const arn = value === undefined ? undefined : parseArn(value);
    if (value === undefined || arn === undefined) continue;
    if (region !== undefined && arn.region !== region) {
      problems.push({
        severity: "error",
        pointer: `/${key}`,
        key,
        value,
        rule: "arn-region",
        message: `is in region ${arn.region} but the input's region is ${region}; the pipeline calls it from ${region}, so use the ${region} resource or fix region`,
      });
    } else if (region !== undefined && arn.partition !== partitionOf(region)) {
      problems.push({
        severity: "error",
        pointer: `/${key}`,
        key,
        value,
        rule: "arn-partition",
        message: `says partition '${arn.partition}' but region ${region} is in '${partitionOf(region)}'`,
      });
    }
    if (!batchAccount) {
      batchAccount = { key, account: arn.account };
    } else if (arn.account !== batchAccount.account) {
      problems.push({
        severity: sameAccountRequired ? "error" : "warning",
        pointer: `/${key}`,
        key,
        value,
        rule: "arn-account",
        message: sameAccountRequired
          ? `is in account ${arn.account} but ${batchAccount.key} is in ${batchAccount.account}; AWS Batch needs the job definition and queue in the account that submits the job`
          : `is in account ${arn.account}, not ${batchAccount.account} like ${batchAccount.key}; cross-account use needs a resource policy`,
      });
    }
  }
  return problems;
}

function mappingInsideBucket(path?: string, bucket?: string): Problem[] {
  if (path === undefined) return [];
  const problems: Problem[] = [];
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(path);
  if (bucket !== undefined && match && match[1] !== bucket) {
    problems.push({
      severity: "error",
      pointer: "/mapping_json_S3_path",
      key: "mapping_json_S3_path",
      value: path,
      rule: "mapping-in-internal-bucket",
      message: `must be inside s3_bucket_name_internal (s3://${bucket}/...), not in bucket ${match[1]}; drop the override to get s3://${bucket}/mapping_json/mapping_json.json`,
    });
  }
  if (match && !match[2]?.endsWith(".json")) {
    problems.push({
      severity: "warning",
      pointer: "/mapping_json_S3_path",
      key: "mapping_json_S3_path",
      value: path,
      rule: "mapping-json-extension",
      message: "does not end in .json; the pipeline reads a JSON mapping file",
    });
  }
  return problems;
}

function bucketsDistinct(internal?: string, shared?: string): Problem[] {
  if (internal === undefined || internal !== shared) return [];
  return [
    {
      severity: "warning",
      pointer: "/s3_bucket_name_shared",
      key: "s3_bucket_name_shared",
      value: shared,
      rule: "distinct-buckets",
      message: "is the same bucket as s3_bucket_name_internal; internal data would be shared",
    },
  ];
}

function sizeLimit(input: Record<string, unknown>): Problem[] {
  const bytes = Buffer.byteLength(JSON.stringify(input), "utf8");
  if (bytes <= MAX_INPUT_BYTES) return [];
  return [
    {
      severity: "error",
      pointer: "",
      rule: "input-size",
      message: `the input is ${bytes} bytes; Step Functions accepts at most ${MAX_INPUT_BYTES} bytes`,
    },
  ];
}

/** The input keys that hold an ARN (the event bus only when it is one), and whether Batch needs it in the same account. */
const STATE_MACHINE_ARN_KEYS = [
  { key: "aws_batch_job_queue", service: "AWS Batch", sameAccount: true },
  { key: "aws_batch_job_definition_arn", service: "AWS Batch", sameAccount: true },
  { key: "email_topic_arn", service: "SNS", sameAccount: false },
  { key: "training_event_bus_name", service: "EventBridge", sameAccount: false },
] as const;

/**
 * Every ARN in the input against the state machine that will use it, before
 * anything starts: in its partition and region (errors), the Batch ones in
 * its account too (error: the job would fail hours later, after every Glue
 * job); an SNS topic in another account is a warning (it works with a topic
 * policy). An event bus given by name, or a queue by name, is not checked.
 * Pure: the caller parses the state machine ARN and decides the exit code.
 */
export function checkAgainstStateMachine(
  input: Record<string, unknown>,
  stateMachine: { partition: string; region: string; account: string },
): Problem[] {
  const problems: Problem[] = [];
  for (const { key, service, sameAccount } of STATE_MACHINE_ARN_KEYS) {
    const value = input[key];
    const arn = typeof value === "string" ? parseArn(value) : undefined;
    if (arn === undefined) continue;
    const base = { pointer: `/${key}`, key, value } as const;
    if (arn.partition !== stateMachine.partition) {
      problems.push({
        ...base,
        severity: "error",
        rule: "state-machine-partition",
        message: `is in partition ${arn.partition} but the state machine is in ${stateMachine.partition}; a state machine cannot reach another partition, so use the ${stateMachine.partition} resource`,
      });
      continue;
    }
    if (arn.region !== "" && arn.region !== stateMachine.region) {
      problems.push({
        ...base,
        severity: "error",
        rule: "state-machine-region",
        message: `is in region ${arn.region} but the state machine runs in ${stateMachine.region}; use the ${service} resource of ${stateMachine.region}`,
      });
    }
    if (arn.account !== "" && arn.account !== stateMachine.account) {
      problems.push({
        ...base,
        severity: sameAccount ? "error" : "warning",
        rule: "state-machine-account",
        message: sameAccount
          ? `is in account ${arn.account} but the state machine is in ${stateMachine.account}; ${service} jobs are submitted in the state machine's account, so the Batch step would fail after the Glue jobs have run`
          : `is in account ${arn.account}, not the state machine's ${stateMachine.account}; publishing across accounts needs a topic policy that allows the state machine's role`,
      });
    }
  }
  return problems;
}

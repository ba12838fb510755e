import { parseArn, partitionOf } from "../aws/arn.js";
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
  const date = new Date(Date.UTC(2000, Number(month) - 1, Number(day)));
  // setUTCFullYear, not Date.UTC: the latter maps years 0-99 to 1900-1999.
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  if (date.getUTCMonth() + 1 !== Number(month) || date.getUTCDate() !== Number(day)) {
    return [
      {
        severity: "error",
        pointer: "/day",
        key: "day",
        value: day,
        rule: "calendar-date",
        message: `${year}-${month}-${day} is not a real calendar date; fix year/month/day or pass --date YYYY-MM-DD`,
      },
    ];
  }
  // A day of slack: the pipeline's zone may be ahead of UTC.
  if (now !== undefined && date.getTime() > now + 86_400_000) {
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

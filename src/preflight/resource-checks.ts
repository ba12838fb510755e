/**
 * The checks of the resources no task kind owns: S3, DynamoDB, SNS,
 * EventBridge, SSM. Each calls AWS only through the boundary's read
 * calls, and says what it found and what to do.
 */

import type { PreflightCalls } from "../aws/preflight-calls.js";
import type { ResourceCheck, Verdict } from "../execution/preflight.js";
import { isNotFound } from "../tasks/preflight-verdicts.js";

export type Check = ResourceCheck<PreflightCalls>;

const ok = (message: string): Verdict => ({ outcome: "ok", message });
const failed = (message: string, fix: string): Verdict => ({ outcome: "failed", message, fix });
const warning = (message: string, fix: string): Verdict => ({ outcome: "warning", message, fix });

/** A check that only asks whether a resource exists: ok, or failed when AWS names it missing. */
function exists(
  label: string,
  permission: string,
  call: (calls: PreflightCalls, id: string) => Promise<unknown>,
  missingAs: string[],
  fix: string,
): Check {
  return {
    label,
    permission,
    async check(id, { calls }) {
      try {
        await call(calls, id);
        return ok("exists");
      } catch (error) {
        if (!isNotFound(error, ...missingAs)) throw error;
        return failed("does not exist", fix);
      }
    },
  };
}

export const SNS_TOPIC = exists(
  "SNS topic",
  "sns:GetTopicAttributes",
  (calls, arn) => calls.sns.getTopicAttributes(arn),
  ["NotFound", "NotFoundException"],
  "create the topic, or fix email_topic_arn",
);

export const EVENT_BUS: Check = {
  ...exists(
    "EventBridge bus",
    "events:DescribeEventBus",
    (calls, name) => calls.events.describeEventBus(name),
    ["ResourceNotFoundException"],
    "create the event bus, or fix training_event_bus_name",
  ),
  canonical: (id) => id.replace(/^arn:[^:]+:events:[^:]*:\d*:event-bus\//, ""),
};

export const DYNAMODB_TABLE: Check = {
  label: "DynamoDB table",
  permission: "dynamodb:DescribeTable",
  canonical: (id) => id.replace(/^arn:[^:]+:dynamodb:[^:]*:\d*:table\//, ""),
  async check(name, { calls }) {
    try {
      const { Table } = await calls.dynamodb.describeTable(name);
      const status = Table?.TableStatus ?? "unknown";
      if (status === "ACTIVE") return ok("is ACTIVE");
      if (status === "UPDATING")
        return warning("is UPDATING (usable while it updates)", "nothing, unless it stays UPDATING");
      return failed(
        `is ${status}, not ACTIVE`,
        status === "CREATING" ? "wait until the table is ACTIVE" : "restore or recreate the table",
      );
    } catch (error) {
      if (!isNotFound(error, "ResourceNotFoundException")) throw error;
      return failed("does not exist", "create the table (Terraform), or fix the train_*table_name input key");
    }
  },
};

const S3_BUCKET: Check = {
  label: "S3 bucket",
  permission: "s3:GetBucketLocation",
  async check(bucket, { calls, inputRegion }) {
    try {
      const { LocationConstraint } = await calls.s3.getBucketLocation(bucket);
      // us-east-1 is the empty constraint; `EU` is the old name of eu-west-1.
      const region = !LocationConstraint
        ? "us-east-1"
        : LocationConstraint === "EU"
          ? "eu-west-1"
          : LocationConstraint;
      if (inputRegion && region !== inputRegion) {
        return failed(
          `is in ${region}, not the input's region ${inputRegion}`,
          "use a bucket in the input's region, or fix region",
        );
      }
      return ok(`exists in ${region}`);
    } catch (error) {
      if (!isNotFound(error, "NoSuchBucket", "NotFound")) throw error;
      return failed("does not exist", "create the bucket, or fix the s3_bucket_name_* input key");
    }
  },
};

const S3_OBJECT: Check = {
  label: "S3 object",
  permission: "s3:GetObject",
  async check(uri, { calls }) {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (!match) return failed("is not an s3://bucket/key URI", "fix mapping_json_S3_path");
    try {
      const { ContentLength } = await calls.s3.headObject(match[1] ?? "", match[2] ?? "");
      if (ContentLength === 0) return warning("is empty (0 bytes)", "upload the mapping file's content");
      return ok(`exists (${ContentLength ?? "?"} bytes)`);
    } catch (error) {
      if (!isNotFound(error, "NotFound", "NoSuchKey", "NoSuchBucket")) throw error;
      return failed("does not exist", "upload it (the pipeline reads it), or fix mapping_json_S3_path");
    }
  },
};

const SSM_PARAMETER = exists(
  "SSM parameter",
  "ssm:GetParameter",
  (calls, name) => calls.ssm.getParameter(name),
  ["ParameterNotFound"],
  "create the parameter, or fix ssm_training_complete_status",
);

/** Resources the input's keys name that no task kind owns. */
export const INPUT_CHECKS: Record<string, Check> = {
  "s3-bucket": S3_BUCKET,
  "s3-object": S3_OBJECT,
  "ssm-parameter": SSM_PARAMETER,
  "dynamodb-table": DYNAMODB_TABLE,
  "sns-topic": SNS_TOPIC,
  "event-bus": EVENT_BUS,
};

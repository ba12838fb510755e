/**
 * One check per kind of resource: the call that says whether it exists and
 * is usable, and what the answer means. Every check ends in one of four
 * outcomes and never throws (except for the interrupt): a denied call is
 * "not checked" naming the permission batchinf lacked, an endpoint that
 * cannot answer is "not checked" with the reason.
 */

import {
  DescribeComputeEnvironmentsCommand,
  DescribeJobDefinitionsCommand,
  DescribeJobQueuesCommand,
} from "@aws-sdk/client-batch";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { DescribeEventBusCommand } from "@aws-sdk/client-eventbridge";
import { GetDatabaseCommand, GetJobCommand } from "@aws-sdk/client-glue";
import { GetFunctionCommand } from "@aws-sdk/client-lambda";
import { GetBucketLocationCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { GetTopicAttributesCommand } from "@aws-sdk/client-sns";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { awsErrorName } from "../aws/errors.js";
import type { PreflightClients } from "../aws/preflight-clients.js";
import type { CheckResult, ResourceKind, ResourceRef } from "../execution/preflight.js";
import { unanswered } from "./unanswered.js";

export interface CheckContext {
  clients: PreflightClients;
  signal?: AbortSignal;
  /** The input's region: buckets must be there. */
  inputRegion?: string;
}

type Verdict = Pick<CheckResult, "outcome" | "message"> & { fix?: string };
type Check = (ref: ResourceRef, ctx: CheckContext) => Promise<Verdict>;

const ok = (message: string): Verdict => ({ outcome: "ok", message });
const failed = (message: string, fix: string): Verdict => ({ outcome: "failed", message, fix });
const warning = (message: string, fix: string): Verdict => ({ outcome: "warning", message, fix });

/** The permission each check's call needs, for the "batchinf may not look" summary. */
export const READ_PERMISSION: Record<Exclude<ResourceKind, "task-parameter">, string> = {
  "glue-job": "glue:GetJob",
  "glue-database": "glue:GetDatabase",
  "batch-job-queue": "batch:DescribeJobQueues",
  "batch-job-definition": "batch:DescribeJobDefinitions",
  "lambda-function": "lambda:GetFunction",
  "sns-topic": "sns:GetTopicAttributes",
  "event-bus": "events:DescribeEventBus",
  "dynamodb-table": "dynamodb:DescribeTable",
  "s3-bucket": "s3:GetBucketLocation",
  "s3-object": "s3:GetObject",
  "ssm-parameter": "ssm:GetParameter",
  "role-permissions": "iam:SimulatePrincipalPolicy",
};

const missing = (error: unknown, ...names: string[]) => names.includes(awsErrorName(error));

const glueJob: Check = async (ref, { clients, signal }) => {
  try {
    await clients.glue.send(new GetJobCommand({ JobName: ref.id }), { abortSignal: signal });
    return ok("exists");
  } catch (error) {
    if (!missing(error, "EntityNotFoundException")) throw error;
    return failed(
      "does not exist",
      "create the Glue job (Terraform), or fix the JobName the state machine passes",
    );
  }
};

const glueDatabase: Check = async (ref, { clients, signal }) => {
  try {
    await clients.glue.send(new GetDatabaseCommand({ Name: ref.id }), { abortSignal: signal });
    return ok("exists");
  } catch (error) {
    if (!missing(error, "EntityNotFoundException")) throw error;
    return failed(
      "does not exist in the Glue Data Catalog",
      "create the database, or fix the input key that names it",
    );
  }
};

const batchQueue: Check = async (ref, { clients, signal }) => {
  const { jobQueues = [] } = await clients.batch.send(new DescribeJobQueuesCommand({ jobQueues: [ref.id] }), {
    abortSignal: signal,
  });
  const queue = jobQueues[0];
  if (!queue) return failed("does not exist", "create the job queue, or fix aws_batch_job_queue");
  if (queue.state !== "ENABLED") {
    return failed(
      `is ${queue.state}: jobs would wait RUNNABLE forever`,
      "enable the job queue (aws batch update-job-queue --state ENABLED)",
    );
  }
  if (queue.status === "INVALID") {
    return failed(
      `is INVALID${queue.statusReason ? ` (${queue.statusReason})` : ""}`,
      "fix the job queue's configuration",
    );
  }
  const order = (queue.computeEnvironmentOrder ?? []).map((entry) => entry.computeEnvironment ?? "");
  if (order.length === 0)
    return failed("has no compute environment", "attach a compute environment to the job queue");
  const { computeEnvironments = [] } = await clients.batch.send(
    new DescribeComputeEnvironmentsCommand({ computeEnvironments: order }),
    { abortSignal: signal },
  );
  const problems = order.map((arn) => {
    const ce = computeEnvironments.find(
      (c) => c.computeEnvironmentArn === arn || c.computeEnvironmentName === arn,
    );
    const name = arn.replace(/^.*compute-environment\//, "");
    if (!ce) return `${name} does not exist`;
    if (ce.state !== "ENABLED") return `${name} is ${ce.state}`;
    if (ce.status !== "VALID")
      return `${name} is ${ce.status}${ce.statusReason ? ` (${ce.statusReason})` : ""}`;
    // A managed environment capped at 0 vCPUs never starts an instance; an unmanaged one has no such cap.
    if (ce.type !== "UNMANAGED" && (ce.computeResources?.maxvCpus ?? 0) <= 0) return `${name} has maxvCpus 0`;
    return undefined;
  });
  const bad = problems.filter((p): p is string => p !== undefined);
  const status = queue.status === "VALID" ? "ENABLED and VALID" : `ENABLED, ${queue.status}`;
  if (bad.length === order.length) {
    return failed(
      `is ${status} but no compute environment can run its jobs (${bad.join("; ")})`,
      "enable the compute environment, make it VALID, or raise its maxvCpus",
    );
  }
  if (bad.length > 0 || queue.status !== "VALID") {
    return warning(
      `is ${status}; ${order.length - bad.length} of ${order.length} compute environments can run jobs${bad.length ? ` (${bad.join("; ")})` : ""}`,
      "check the job queue's compute environments",
    );
  }
  return ok(
    `is ${status}, ${order.length} compute ${order.length === 1 ? "environment" : "environments"} ENABLED and VALID`,
  );
};

const batchJobDefinition: Check = async (ref, { clients, signal }) => {
  const name = ref.id.replace(/^arn:[^:]+:batch:[^:]*:\d*:job-definition\//, "");
  const revision = /:(\d+)$/.exec(name)?.[1];
  const { jobDefinitions = [] } = await clients.batch.send(
    new DescribeJobDefinitionsCommand(
      revision ? { jobDefinitions: [ref.id] } : { jobDefinitionName: name, status: "ACTIVE" },
    ),
    { abortSignal: signal },
  );
  if (!revision) {
    return jobDefinitions.length > 0
      ? ok(`has ACTIVE revision ${Math.max(...jobDefinitions.map((d) => d.revision ?? 0))}`)
      : failed("has no ACTIVE revision", "register the job definition, or fix aws_batch_job_definition_arn");
  }
  const found = jobDefinitions.find((d) => String(d.revision) === revision);
  if (!found)
    return failed(
      `revision ${revision} does not exist`,
      "register the job definition, or fix aws_batch_job_definition_arn",
    );
  if (found.status !== "ACTIVE") {
    return failed(
      `revision ${revision} is ${found.status} (deregistered)`,
      "point aws_batch_job_definition_arn at an ACTIVE revision, or register it again",
    );
  }
  return ok(`revision ${revision} is ACTIVE`);
};

const lambdaFunction: Check = async (ref, { clients, signal }) => {
  try {
    const { Configuration } = await clients.lambda.send(new GetFunctionCommand({ FunctionName: ref.id }), {
      abortSignal: signal,
    });
    if (Configuration?.State === "Failed") {
      return failed(
        `is in state Failed${Configuration.StateReason ? ` (${Configuration.StateReason})` : ""}`,
        "fix and redeploy the function",
      );
    }
    return ok("exists");
  } catch (error) {
    if (!missing(error, "ResourceNotFoundException")) throw error;
    return failed("does not exist", "deploy the function, or fix the FunctionName the state machine passes");
  }
};

const snsTopic: Check = async (ref, { clients, signal }) => {
  try {
    await clients.sns.send(new GetTopicAttributesCommand({ TopicArn: ref.id }), { abortSignal: signal });
    return ok("exists");
  } catch (error) {
    if (!missing(error, "NotFound", "NotFoundException")) throw error;
    return failed("does not exist", "create the topic, or fix email_topic_arn");
  }
};

const eventBus: Check = async (ref, { clients, signal }) => {
  try {
    await clients.events.send(new DescribeEventBusCommand({ Name: ref.id }), { abortSignal: signal });
    return ok("exists");
  } catch (error) {
    if (!missing(error, "ResourceNotFoundException")) throw error;
    return failed("does not exist", "create the event bus, or fix training_event_bus_name");
  }
};

const dynamodbTable: Check = async (ref, { clients, signal }) => {
  try {
    const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: ref.id }), {
      abortSignal: signal,
    });
    const status = Table?.TableStatus ?? "unknown";
    if (status === "ACTIVE") return ok("is ACTIVE");
    if (status === "UPDATING")
      return warning("is UPDATING (usable while it updates)", "nothing, unless it stays UPDATING");
    return failed(
      `is ${status}, not ACTIVE`,
      status === "CREATING" ? "wait until the table is ACTIVE" : "restore or recreate the table",
    );
  } catch (error) {
    if (!missing(error, "ResourceNotFoundException")) throw error;
    return failed("does not exist", "create the table (Terraform), or fix the train_*table_name input key");
  }
};

const s3Bucket: Check = async (ref, { clients, signal, inputRegion }) => {
  try {
    const { LocationConstraint } = await clients.s3.send(new GetBucketLocationCommand({ Bucket: ref.id }), {
      abortSignal: signal,
    });
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
    if (!missing(error, "NoSuchBucket", "NotFound")) throw error;
    return failed("does not exist", "create the bucket, or fix the s3_bucket_name_* input key");
  }
};

const s3Object: Check = async (ref, { clients, signal }) => {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(ref.id);
  if (!match) return failed("is not an s3://bucket/key URI", "fix mapping_json_S3_path");
  try {
    const { ContentLength } = await clients.s3.send(
      new HeadObjectCommand({ Bucket: match[1], Key: match[2] }),
      {
        abortSignal: signal,
      },
    );
    if (ContentLength === 0) return warning("is empty (0 bytes)", "upload the mapping file's content");
    return ok(`exists (${ContentLength ?? "?"} bytes)`);
  } catch (error) {
    if (!missing(error, "NotFound", "NoSuchKey", "NoSuchBucket")) throw error;
    return failed("does not exist", "upload it (the pipeline reads it), or fix mapping_json_S3_path");
  }
};

const ssmParameter: Check = async (ref, { clients, signal }) => {
  try {
    // Without decryption: only whether it exists matters, and the value is never read.
    await clients.ssm.send(new GetParameterCommand({ Name: ref.id, WithDecryption: false }), {
      abortSignal: signal,
    });
    return ok("exists");
  } catch (error) {
    if (!missing(error, "ParameterNotFound")) throw error;
    return failed("does not exist", "create the parameter, or fix ssm_training_complete_status");
  }
};

const CHECKS: Record<Exclude<ResourceKind, "task-parameter" | "role-permissions">, Check> = {
  "glue-job": glueJob,
  "glue-database": glueDatabase,
  "batch-job-queue": batchQueue,
  "batch-job-definition": batchJobDefinition,
  "lambda-function": lambdaFunction,
  "sns-topic": snsTopic,
  "event-bus": eventBus,
  "dynamodb-table": dynamodbTable,
  "s3-bucket": s3Bucket,
  "s3-object": s3Object,
  "ssm-parameter": ssmParameter,
};

/** Check one resource; whatever AWS answers, a result (an interrupt still ends the command). */
export async function checkResource(ref: ResourceRef, ctx: CheckContext): Promise<CheckResult> {
  const base = { kind: ref.kind, resource: ref.id, sources: ref.sources };
  const check = CHECKS[ref.kind as keyof typeof CHECKS];
  if (!check) return { ...base, outcome: "not-checked", message: "no check for this kind" };
  try {
    return { ...base, ...(await check(ref, ctx)) };
  } catch (error) {
    return { ...base, ...unanswered(error, READ_PERMISSION[ref.kind as keyof typeof READ_PERMISSION]) };
  }
}

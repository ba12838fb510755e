/**
 * The SDK clients preflight calls, built with the settings every other client
 * gets (region, profile, retries, timeouts) by ./clients.ts, which imports
 * this module only when preflight runs: the Glue, S3, DynamoDB, SNS,
 * EventBridge, IAM and Lambda clients are parsed then and only then. S3 is addressed path-style when an endpoint is set: the
 * local endpoints people use (moto, LocalStack) serve one host, not one per bucket.
 */

import type { BatchClient } from "@aws-sdk/client-batch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { GlueClient } from "@aws-sdk/client-glue";
import { IAMClient } from "@aws-sdk/client-iam";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";

export interface PreflightClients {
  glue: GlueClient;
  s3: S3Client;
  dynamodb: DynamoDBClient;
  sns: SNSClient;
  events: EventBridgeClient;
  iam: IAMClient;
  lambda: LambdaClient;
  batch: BatchClient;
  ssm: SSMClient;
}

// biome-ignore lint/suspicious/noExplicitAny: the shared client settings fit every SDK client's config.
type Common = Record<string, any>;

export function createPreflightClients(
  common: Common,
  env: Readonly<Record<string, string | undefined>>,
  count: <C extends { middlewareStack: unknown }>(client: C) => C,
  batch: BatchClient,
): PreflightClients {
  const pathStyle = Boolean(env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_S3);
  return {
    glue: count(new GlueClient(common)),
    s3: count(new S3Client({ ...common, ...(pathStyle ? { forcePathStyle: true } : {}) })),
    dynamodb: count(new DynamoDBClient(common)),
    sns: count(new SNSClient(common)),
    events: count(new EventBridgeClient(common)),
    iam: count(new IAMClient(common)),
    lambda: count(new LambdaClient(common)),
    ssm: count(new SSMClient(common)),
    batch,
  };
}

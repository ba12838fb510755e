import {
  DescribeComputeEnvironmentsCommand,
  DescribeJobDefinitionsCommand,
  type DescribeJobDefinitionsCommandInput,
  DescribeJobQueuesCommand,
} from "@aws-sdk/client-batch";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { DescribeEventBusCommand } from "@aws-sdk/client-eventbridge";
import { GetDatabaseCommand, GetJobCommand } from "@aws-sdk/client-glue";
import {
  SimulatePrincipalPolicyCommand,
  type SimulatePrincipalPolicyCommandInput,
} from "@aws-sdk/client-iam";
import { GetFunctionCommand } from "@aws-sdk/client-lambda";
import { GetBucketLocationCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { GetTopicAttributesCommand } from "@aws-sdk/client-sns";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import type { PreflightClients } from "./preflight-clients.js";

/**
 * The read calls preflight makes, one thin function each, bound to the
 * clients and the interrupt. The checks (src/preflight/, and each task kind's
 * in src/tasks/) call AWS only through these, so they import no SDK code and
 * a test can read what each check asks.
 */
export function preflightCalls(clients: PreflightClients, signal?: AbortSignal) {
  const options = signal ? { abortSignal: signal } : {};
  return {
    glue: {
      getJob: (JobName: string) => clients.glue.send(new GetJobCommand({ JobName }), options),
      getDatabase: (Name: string) => clients.glue.send(new GetDatabaseCommand({ Name }), options),
    },
    batch: {
      describeJobQueues: (jobQueues: string[]) =>
        clients.batch.send(new DescribeJobQueuesCommand({ jobQueues }), options),
      describeComputeEnvironments: (computeEnvironments: string[]) =>
        clients.batch.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments }), options),
      describeJobDefinitions: (input: DescribeJobDefinitionsCommandInput) =>
        clients.batch.send(new DescribeJobDefinitionsCommand(input), options),
    },
    lambda: {
      getFunction: (FunctionName: string) =>
        clients.lambda.send(new GetFunctionCommand({ FunctionName }), options),
    },
    sns: {
      getTopicAttributes: (TopicArn: string) =>
        clients.sns.send(new GetTopicAttributesCommand({ TopicArn }), options),
    },
    events: {
      describeEventBus: (Name: string) => clients.events.send(new DescribeEventBusCommand({ Name }), options),
    },
    dynamodb: {
      describeTable: (TableName: string) =>
        clients.dynamodb.send(new DescribeTableCommand({ TableName }), options),
    },
    s3: {
      getBucketLocation: (Bucket: string) =>
        clients.s3.send(new GetBucketLocationCommand({ Bucket }), options),
      headObject: (Bucket: string, Key: string) =>
        clients.s3.send(new HeadObjectCommand({ Bucket, Key }), options),
    },
    ssm: {
      // Without decryption: only whether it exists matters; the value is never read.
      getParameter: (Name: string) =>
        clients.ssm.send(new GetParameterCommand({ Name, WithDecryption: false }), options),
    },
    iam: {
      simulatePrincipalPolicy: (input: SimulatePrincipalPolicyCommandInput) =>
        clients.iam.send(new SimulatePrincipalPolicyCommand(input), options),
    },
  };
}

export type PreflightCalls = ReturnType<typeof preflightCalls>;

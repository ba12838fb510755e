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
import { send } from "./send.js";

/**
 * The read calls preflight makes, one thin function each, bound to the
 * clients and the interrupt (through ./send.ts, the one place a client sends). The checks (src/preflight/, and each task kind's
 * in src/tasks/) call AWS only through these, so they import no SDK code and
 * a test can read what each check asks.
 */
export function preflightCalls(clients: PreflightClients, signal: AbortSignal) {
  return {
    glue: {
      getJob: (JobName: string) => send(clients.glue, new GetJobCommand({ JobName }), signal),
      getDatabase: (Name: string) => send(clients.glue, new GetDatabaseCommand({ Name }), signal),
    },
    batch: {
      describeJobQueues: (jobQueues: string[]) =>
        send(clients.batch, new DescribeJobQueuesCommand({ jobQueues }), signal),
      describeComputeEnvironments: (computeEnvironments: string[]) =>
        send(clients.batch, new DescribeComputeEnvironmentsCommand({ computeEnvironments }), signal),
      describeJobDefinitions: (input: DescribeJobDefinitionsCommandInput) =>
        send(clients.batch, new DescribeJobDefinitionsCommand(input), signal),
    },
    lambda: {
      getFunction: (FunctionName: string) =>
        send(clients.lambda, new GetFunctionCommand({ FunctionName }), signal),
    },
    sns: {
      getTopicAttributes: (TopicArn: string) =>
        send(clients.sns, new GetTopicAttributesCommand({ TopicArn }), signal),
    },
    events: {
      describeEventBus: (Name: string) => send(clients.events, new DescribeEventBusCommand({ Name }), signal),
    },
    dynamodb: {
      describeTable: (TableName: string) =>
        send(clients.dynamodb, new DescribeTableCommand({ TableName }), signal),
    },
    s3: {
      getBucketLocation: (Bucket: string) =>
        send(clients.s3, new GetBucketLocationCommand({ Bucket }), signal),
      headObject: (Bucket: string, Key: string) =>
        send(clients.s3, new HeadObjectCommand({ Bucket, Key }), signal),
    },
    ssm: {
      // Without decryption: only whether it exists matters; the value is never read.
      getParameter: (Name: string) =>
        send(clients.ssm, new GetParameterCommand({ Name, WithDecryption: false }), signal),
    },
    iam: {
      simulatePrincipalPolicy: (input: SimulatePrincipalPolicyCommandInput) =>
        send(clients.iam, new SimulatePrincipalPolicyCommand(input), signal),
    },
  };
}

export type PreflightCalls = ReturnType<typeof preflightCalls>;

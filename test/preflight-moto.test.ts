import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";
import {
  BatchClient,
  CreateComputeEnvironmentCommand,
  CreateJobQueueCommand,
  DeregisterJobDefinitionCommand,
  RegisterJobDefinitionCommand,
  UpdateJobQueueCommand,
} from "@aws-sdk/client-batch";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateEventBusCommand, EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { CreateDatabaseCommand, CreateJobCommand, DeleteJobCommand, GlueClient } from "@aws-sdk/client-glue";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateStateMachineCommand, SFNClient } from "@aws-sdk/client-sfn";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { seedPipelineDefinition } from "./fake-aws/preflight-seed.js";
import { PIPELINE_GLUE_JOBS } from "./fake-aws/sfn-scenarios.js";
import { type CliResult, runInProcess } from "./helpers/cli.js";
import { SEED_DATE, seedSsm, seedWorkspace } from "./helpers/seed.js";

// An independent check of preflight's requests: moto_server (an emulator
// nobody here wrote, modelled on the services' own specifications) holds the
// seed's pipeline; preflight must read every resource as ok there, and see
// what is broken when it is broken. moto has no iam:SimulatePrincipalPolicy:
// the role's permissions are "not checked", never fatal. Skipped, with a
// message, where moto_server is not on PATH.
const MOTO = process.env.PATH?.split(delimiter)
  .map((dir) => join(dir, "moto_server"))
  .find((path) => existsSync(path));
const ACCOUNT = "123456789012";
const REGION = "ap-south-1";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/batch-inference-DCP-sfn-role`;

let moto: ChildProcess | undefined;
let endpoint = "";
let machine = "";

function config(extra: Record<string, unknown> = {}) {
  return { endpoint, region: REGION, credentials: { accessKeyId: "x", secretAccessKey: "y" }, ...extra };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startMoto(path: string): Promise<void> {
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  moto = spawn(path, ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error("moto_server did not start within 30 s");
}

/** The seed's account in moto: every resource the pipeline's definition and input name. */
async function seedMoto(): Promise<void> {
  const iam = new IAMClient(config());
  await iam.send(
    new CreateRoleCommand({ RoleName: "batch-inference-DCP-sfn-role", AssumeRolePolicyDocument: "{}" }),
  );
  const glue = new GlueClient(config());
  for (const [, job] of PIPELINE_GLUE_JOBS) {
    await glue.send(
      new CreateJobCommand({
        Name: job,
        Role: ROLE,
        Command: { Name: "glueetl", ScriptLocation: "s3://scripts/x.py" },
      }),
    );
  }
  for (const name of ["default", "poc_monitoring"])
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: name } }));
  const batch = new BatchClient(config());
  const ce = await batch.send(
    new CreateComputeEnvironmentCommand({
      computeEnvironmentName: "test-training-ce",
      type: "UNMANAGED",
      state: "ENABLED",
      serviceRole: ROLE,
    }),
  );
  await batch.send(
    new CreateJobQueueCommand({
      jobQueueName: "test-training",
      state: "ENABLED",
      priority: 1,
      computeEnvironmentOrder: [{ order: 1, computeEnvironment: ce.computeEnvironmentArn }],
    }),
  );
  for (let revision = 1; revision <= 3; revision++) {
    await batch.send(
      new RegisterJobDefinitionCommand({
        jobDefinitionName: "test-training",
        type: "container",
        containerProperties: { image: "batch-inference:latest", vcpus: 1, memory: 2048 },
      }),
    );
  }
  const s3 = new S3Client(config({ forcePathStyle: true }));
  for (const bucket of ["msil-poc-apsouth1-internal", "msil-poc-apsouth1-shared"]) {
    await s3.send(
      new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
  }
  await s3.send(
    new PutObjectCommand({
      Bucket: "msil-poc-apsouth1-internal",
      Key: "mapping_json/mapping_json.json",
      Body: "{}",
    }),
  );
  const dynamodb = new DynamoDBClient(config());
  for (const table of ["trainstatetable", "traininputtable", "trainmetatable"]) {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  }
  await new SNSClient(config()).send(new CreateTopicCommand({ Name: "model_start_dq_notification" }));
  await new EventBridgeClient(config()).send(
    new CreateEventBusCommand({ Name: "async_monitoring_event_bus" }),
  );
  await new SSMClient(config()).send(
    new PutParameterCommand({ Name: "training_complete_status", Value: "false", Type: "String" }),
  );
  // An empty zip: moto stores the function without running it.
  await new LambdaClient(config()).send(
    new CreateFunctionCommand({
      FunctionName: "dcp-post-process",
      Role: ROLE,
      Runtime: "python3.12",
      Handler: "index.handler",
      Code: { ZipFile: Buffer.from(`PK\x05\x06${"\0".repeat(18)}`, "binary") },
    }),
  );
  const definition = JSON.parse(seedPipelineDefinition());
  definition.States.AnnounceTraining.Next = "PostProcess";
  delete definition.States.AnnounceTraining.End;
  definition.States.PostProcess = {
    Type: "Task",
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: { FunctionName: "dcp-post-process", "Payload.$": "$" },
    End: true,
  };
  const created = await new SFNClient(config()).send(
    new CreateStateMachineCommand({
      name: "batch-inference-DCP",
      definition: JSON.stringify(definition),
      roleArn: ROLE,
    }),
  );
  machine = created.stateMachineArn ?? "";
}

async function preflight(): Promise<CliResult> {
  const cwd = seedWorkspace();
  // The seed's Terraform outputs, in moto's account.
  const values = Object.fromEntries(
    Object.entries(seedSsm()).map(([key, value]) => [key, String(value).replaceAll("731580992380", ACCOUNT)]),
  );
  writeFileSync(join(cwd, "ssm.json"), JSON.stringify({ ...values, state_machine_arn: machine }));
  const env = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: "x",
    AWS_SECRET_ACCESS_KEY: "y",
    AWS_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: "true",
  };
  return runInProcess(
    [
      "preflight",
      "--ssm-file",
      join(cwd, "ssm.json"),
      "--tfvars",
      join(cwd, "tfvars.json"),
      "--repo-dir",
      cwd,
      "--date",
      SEED_DATE,
    ],
    // moto answers SimulatePrincipalPolicy with a 500: few quick attempts.
    { env, now: Date.now, aws: { retryStrategy: new ConfiguredRetryStrategy(2, () => 10) } },
  );
}

const lines = (result: CliResult, outcome: string) =>
  result.stderr
    .split("\n")
    .filter((line) => new RegExp(`^(?:error: |warning: )?preflight ${outcome} `).test(line));

describe.skipIf(!MOTO)(
  MOTO ? "preflight against moto_server" : "preflight against moto_server: SKIPPED, no moto_server on PATH",
  () => {
    beforeAll(async () => {
      await startMoto(MOTO as string);
      for (const [key, value] of Object.entries({
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: "x",
        AWS_SECRET_ACCESS_KEY: "y",
        AWS_REGION: REGION,
      }))
        vi.stubEnv(key, value);
      await seedMoto();
    }, 60_000);
    afterAll(() => {
      vi.unstubAllEnvs();
      moto?.kill("SIGTERM");
    });

    it("every resource of the pipeline reads as ok; the role's permissions are not checked (moto has no simulation), exit 0", async () => {
      const result = await preflight();
      expect(result.code, result.stderr).toBe(0);
      expect(lines(result, "FAILED"), result.stderr).toEqual([]);
      const ok = lines(result, "ok");
      // 5 Glue jobs, 2 databases, queue, job definition, Lambda function, topic, bus, 3 tables, 2 buckets, mapping file, parameter.
      expect(ok, result.stderr).toHaveLength(19);
      for (const what of [
        "Glue job",
        "Glue database",
        "Batch job queue",
        "Batch job definition",
        "Lambda function",
        "SNS topic",
        "EventBridge bus",
        "DynamoDB table",
        "S3 bucket",
        "S3 object",
        "SSM parameter",
      ]) {
        expect(
          ok.some((line) => line.includes(` ${what} `)),
          what,
        ).toBe(true);
      }
      const notChecked = lines(result, "not checked");
      expect(notChecked.length).toBeGreaterThan(0);
      expect(notChecked.every((line) => line.includes("state machine role on"))).toBe(true);
    }, 120_000);

    it("what is broken in moto is a failed check: a deleted Glue job, a DISABLED queue, a deregistered revision, a missing mapping file (exit 3)", async () => {
      await new GlueClient(config()).send(new DeleteJobCommand({ JobName: PIPELINE_GLUE_JOBS[0]?.[1] }));
      const batch = new BatchClient(config());
      await batch.send(new UpdateJobQueueCommand({ jobQueue: "test-training", state: "DISABLED" }));
      await batch.send(
        new DeregisterJobDefinitionCommand({
          jobDefinition: `arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/test-training:3`,
        }),
      );
      await new S3Client(config({ forcePathStyle: true })).send(
        new DeleteObjectCommand({
          Bucket: "msil-poc-apsouth1-internal",
          Key: "mapping_json/mapping_json.json",
        }),
      );
      const result = await preflight();
      expect(result.code, result.stderr).toBe(3);
      const failed = lines(result, "FAILED");
      expect(
        failed.some((line) => /Glue job DCP-batch-inference-dq-check does not exist/.test(line)),
        result.stderr,
      ).toBe(true);
      expect(
        failed.some((line) => /Batch job queue .*test-training is DISABLED/.test(line)),
        result.stderr,
      ).toBe(true);
      expect(
        failed.some((line) => /Batch job definition .*test-training:3 revision 3 is INACTIVE/.test(line)),
        result.stderr,
      ).toBe(true);
      expect(
        failed.some((line) => /S3 object .*mapping_json\.json does not exist/.test(line)),
        result.stderr,
      ).toBe(true);
      expect(failed, result.stderr).toHaveLength(4);
    }, 120_000);
  },
);

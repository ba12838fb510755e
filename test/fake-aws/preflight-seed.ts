// The AWS account the seed's pipeline runs in, as preflight sees it: the five
// Glue jobs, the Batch queue (with one managed compute environment) and job
// definition revision 3, the two buckets (mapping file uploaded), the three
// DynamoDB tables, the two Glue databases, the SSM parameter, the SNS topic,
// the event bus, and the state machine role allowed what its Tasks need.

import { taskUses } from "../../src/preflight/definition.js";
import type { BatchService } from "./batch.js";
import { createDynamoDbService, type DynamoDbService } from "./dynamodb.js";
import { createEventsService, type EventsService } from "./events.js";
import { createGlueService, type GlueService } from "./glue.js";
import { createIamService, type IamService } from "./iam.js";
import { createLambdaService, type LambdaService } from "./lambda.js";
import { createS3Service, type S3Service } from "./s3.js";
import { type AddStateMachineOptions, GLUE_SYNC_RESOURCE, type SfnService } from "./sfn.js";
import { PIPELINE_GLUE_JOBS } from "./sfn-scenarios.js";
import { createSnsService, type SnsService } from "./sns.js";
import type { SsmService } from "./ssm.js";

export interface PreflightServices {
  s3: S3Service;
  iam: IamService;
  sns: SnsService;
  glue: GlueService;
  dynamodb: DynamoDbService;
  events: EventsService;
  lambda: LambdaService;
  /** For startFakeAws' service list. */
  all: [S3Service, IamService, SnsService, GlueService, DynamoDbService, EventsService, LambdaService];
}

const ACCOUNT = "731580992380";
const REGION = "ap-south-1";
export const SEED_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/batch-inference-DCP-sfn-role`;
export const SEED_QUEUE = "test-training";
export const SEED_COMPUTE_ENVIRONMENT = "test-training-ce";
export const SEED_BUCKETS = ["msil-poc-apsouth1-internal", "msil-poc-apsouth1-shared"] as const;
export const SEED_MAPPING_KEY = "mapping_json/mapping_json.json";
export const SEED_TABLES = ["trainstatetable", "traininputtable", "trainmetatable"] as const;
export const SEED_DATABASES = ["default", "poc_monitoring"] as const;
export const SEED_TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:model_start_dq_notification`;
export const SEED_BUS = "async_monitoring_event_bus";
export const SEED_SSM_STATUS = "training_complete_status";

/** With `sfn`, the Glue fake also describes the job runs that fake's executions start (GetJobRun). */
export function createPreflightServices(options: { sfn?: SfnService } = {}): PreflightServices {
  const s3 = createS3Service({ region: REGION });
  const iam = createIamService();
  const sns = createSnsService();
  const glue = createGlueService({ accountId: ACCOUNT, ...(options.sfn ? { sfn: options.sfn } : {}) });
  const dynamodb = createDynamoDbService({ accountId: ACCOUNT, region: REGION });
  const events = createEventsService({ accountId: ACCOUNT, region: REGION });
  const lambda = createLambdaService({ accountId: ACCOUNT, region: REGION });
  return {
    s3,
    iam,
    sns,
    glue,
    dynamodb,
    events,
    lambda,
    all: [s3, iam, sns, glue, dynamodb, events, lambda],
  };
}

/** Everything the seed's pipeline needs, existing and usable: preflight passes. */
export function seedPipelineResources(
  services: PreflightServices,
  batch: BatchService | undefined,
  ssm: SsmService,
): void {
  for (const [, job] of PIPELINE_GLUE_JOBS) services.glue.createJob(job);
  for (const database of SEED_DATABASES) services.glue.createDatabase(database);
  // Without a Batch service in the world, preflight says its checks could not be made.
  batch?.resources.putComputeEnvironment({ name: SEED_COMPUTE_ENVIRONMENT, maxvCpus: 256 });
  batch?.resources.putJobQueue({ name: SEED_QUEUE, computeEnvironments: [SEED_COMPUTE_ENVIRONMENT] });
  batch?.resources.registerJobDefinition("test-training", 3);
  for (const bucket of SEED_BUCKETS) services.s3.createBucket(bucket);
  services.s3.putObject(SEED_BUCKETS[0], SEED_MAPPING_KEY, JSON.stringify({ defect: "code" }));
  for (const table of SEED_TABLES) services.dynamodb.createTable(table);
  services.sns.createTopic(SEED_TOPIC);
  services.events.createEventBus(SEED_BUS);
  ssm.putParameter({ name: SEED_SSM_STATUS, value: "false" });
  // The fake Step Functions names each machine's role `<name>-sfn-role`: every one the seed's policy.
  services.iam.putRole(`arn:aws:iam::${ACCOUNT}:role/*-sfn-role`, SEED_ROLE_POLICY);
}

/** What AWS's "IAM policies for integrated services" grant the pipeline's integrations. */
export const SEED_ROLE_POLICY = [
  {
    effect: "Allow" as const,
    actions: ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"],
    resources: [`arn:aws:glue:${REGION}:${ACCOUNT}:job/*`],
  },
  {
    effect: "Allow" as const,
    actions: ["batch:SubmitJob", "batch:DescribeJobs", "batch:TerminateJob"],
    resources: ["*"],
  },
  {
    effect: "Allow" as const,
    actions: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
    resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/StepFunctionsGetEventsForBatchJobsRule`],
  },
  { effect: "Allow" as const, actions: ["sns:Publish"], resources: [SEED_TOPIC] },
  {
    effect: "Allow" as const,
    actions: ["events:PutEvents"],
    resources: [`arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${SEED_BUS}`],
  },
  {
    effect: "Allow" as const,
    actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
    resources: [`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/*`],
  },
  { effect: "Allow" as const, actions: ["lambda:InvokeFunction"], resources: ["*"] },
];

/**
 * The seed's pipeline as its definition could name its resources: the five
 * Glue jobs by name, then Tasks whose parameters come from the input
 * (`"X.$": "$.key"`) and, in a JSONata state, `{% $states.input.key %}`; one
 * parameter no preflight can know (an intrinsic function).
 */
export function seedPipelineDefinition(): string {
  const states: Record<string, unknown> = {};
  const names: string[] = [];
  const add = (name: string, state: Record<string, unknown>) => {
    names.push(name);
    states[name] = state;
  };
  for (const [state, job] of PIPELINE_GLUE_JOBS) {
    add(state, {
      Type: "Task",
      Resource: "arn:aws:states:::glue:startJobRun.sync",
      Parameters: { JobName: job, Arguments: { "--bucket.$": "$.s3_bucket_name_internal" } },
      ResultPath: null,
    });
  }
  add("ReadTrainingState", {
    Type: "Task",
    Resource: "arn:aws:states:::dynamodb:getItem",
    Parameters: { "TableName.$": "$.train_statetable_name", Key: { pk: { "S.$": "$.use_case_name" } } },
    ResultPath: "$.trainingState",
  });
  add("RunBatchInference", {
    Type: "Task",
    Resource: "arn:aws:states:::batch:submitJob.sync",
    Parameters: {
      "JobName.$": "$.aws_batch_job_name",
      "JobQueue.$": "$.aws_batch_job_queue",
      "JobDefinition.$": "$.aws_batch_job_definition_arn",
    },
    ResultPath: null,
  });
  add("RecordRun", {
    Type: "Task",
    QueryLanguage: "JSONata",
    Resource: "arn:aws:states:::dynamodb:updateItem",
    Arguments: {
      TableName: "{% $states.input.train_metatable_name %}",
      Key: { pk: { S: "{% $states.input.use_case_name %}" } },
    },
    Output: "{% $states.input %}",
  });
  add("NotifyDone", {
    Type: "Task",
    Resource: "arn:aws:states:::sns:publish",
    Parameters: {
      "TopicArn.$": "$.email_topic_arn",
      "Message.$": "States.Format('{} done', $.use_case_name)",
    },
    ResultPath: null,
  });
  add("AnnounceTraining", {
    Type: "Task",
    Resource: "arn:aws:states:::events:putEvents",
    Parameters: {
      Entries: [
        {
          "EventBusName.$": "$.training_event_bus_name",
          Source: "batchinf",
          DetailType: "done",
          "Detail.$": "$",
        },
      ],
    },
    End: true,
  });
  names.forEach((name, i) => {
    const next = names[i + 1];
    if (next) (states[name] as Record<string, unknown>).Next = next;
  });
  return JSON.stringify({ StartAt: names[0], States: states }, null, 2);
}

/**
 * The resources a state machine's Tasks name, created with it (as Terraform
 * deploys a pipeline and its jobs together): each Glue job, Lambda function,
 * Batch queue and job definition a literal parameter (or a Lambda Task's
 * resource) names. The fast world calls it for every machine a test adds, so
 * preflight finds what the scripted executions run.
 */
export function provisionTasks(
  services: PreflightServices,
  batch: BatchService | undefined,
  options: AddStateMachineOptions,
): void {
  const states: Array<{ resource: string; parameters: Record<string, unknown> }> = options.definition
    ? taskUses(options.definition).map((use) => ({ resource: use.resource, parameters: use.parameters }))
    : (options.script?.states ?? [])
        .filter((state) => (state.type ?? "Task") === "Task")
        .map((state) => ({
          resource: state.resource ?? GLUE_SYNC_RESOURCE,
          parameters: state.parameters ?? {},
        }));
  for (const { resource, parameters } of states) {
    const text = (field: string) =>
      typeof parameters[field] === "string" ? (parameters[field] as string) : undefined;
    if (resource.includes(":glue:startJobRun")) {
      const job = text("JobName");
      if (job) services.glue.createJob(job);
    } else if (resource.includes(":lambda:")) {
      const name = text("FunctionName") ?? resource;
      services.lambda.createFunction(
        name
          .replace(/^arn:[^:]+:lambda:[^:]*:\d*:function:/, "")
          .replace(/^\d{12}:function:/, "")
          .split(":")[0] ?? name,
      );
    } else if (resource.includes(":batch:submitJob") && batch) {
      const queue = text("JobQueue")?.replace(/^.*job-queue\//, "");
      const definition = text("JobDefinition")?.replace(/^.*job-definition\//, "");
      // What a test set up already (a queue without capacity, say) stays as it is.
      if (queue && !batch.resources.hasJobQueue(queue))
        batch.resources.putJobQueue({ name: queue, computeEnvironments: [SEED_COMPUTE_ENVIRONMENT] });
      const [name, revision] = definition?.split(":") ?? [];
      if (name && !batch.resources.hasJobDefinition(name))
        batch.resources.registerJobDefinition(name, Number(revision ?? "1") || 1);
    }
  }
}

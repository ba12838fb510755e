import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  SEED_BUCKETS,
  SEED_BUS,
  SEED_COMPUTE_ENVIRONMENT,
  SEED_DATABASES,
  SEED_MAPPING_KEY,
  SEED_QUEUE,
  SEED_ROLE_POLICY,
  SEED_SSM_STATUS,
  SEED_TABLES,
  SEED_TOPIC,
  seedPipelineDefinition,
} from "./fake-aws/preflight-seed.js";
import { PIPELINE_GLUE_JOBS, pipelineSucceeds } from "./fake-aws/sfn-scenarios.js";
import { type FastRun, runFast, useFastWorld } from "./helpers/fast-world.js";
import { seedWorkspace } from "./helpers/seed.js";

// Preflight through the CLI in-process, against the local endpoint holding
// the seed's account: every check once where it passes and once where it
// fails (or cannot be made), then run and backfill with each --preflight mode.
const world = useFastWorld();
// Not `*-sfn-role`: the world gives those every permission.
const ROLE = "arn:aws:iam::731580992380:role/service-role/preflight-DCP";
let machine: string | undefined;

function pipeline(): string {
  if (!machine) {
    machine = world.sfn.addStateMachine({
      name: "preflight-DCP",
      definition: seedPipelineDefinition(),
      roleArn: ROLE,
      script: pipelineSucceeds({ glueMs: 60_000, batchMs: 120_000 }),
    });
    world.preflight.iam.putRole(ROLE, SEED_ROLE_POLICY);
  }
  return machine;
}

async function command(
  name: "preflight" | "run",
  args: string[] = [],
  env?: Record<string, string>,
): Promise<FastRun> {
  const cwd = seedWorkspace();
  return runFast(
    world,
    [name, "--state-machine-arn", pipeline(), "--result-file", join(cwd, "result.json"), ...args],
    {
      cwd,
      ...(env ? { env } : {}),
    },
  );
}

const preflight = (args: string[] = []) => command("preflight", args);

function lines(result: FastRun, outcome: string): string[] {
  const pattern = new RegExp(`^(?:error: |warning: )?preflight ${outcome} `);
  return result.stderr.split("\n").filter((line) => pattern.test(line));
}

function saved(result: FastRun) {
  return JSON.parse(readFileSync(join(result.cwd, "result.json"), "utf8"));
}

const GLUE_JOB = PIPELINE_GLUE_JOBS[2]?.[1] as string;
const INTERNAL = SEED_BUCKETS[0];

/** Apply a change now; what it returns undoes it. */
const swap = (apply: () => unknown, undo: () => void) => () => {
  apply();
  return undo;
};

interface Case {
  name: string;
  /** Make the world wrong; return how to put it right. */
  breakIt: () => () => void;
  outcome: "FAILED" | "warning";
  line: RegExp;
}

const CASES: Case[] = [
  {
    name: "Glue job deleted",
    breakIt: swap(
      () => world.preflight.glue.deleteJob(GLUE_JOB),
      () => world.preflight.glue.createJob(GLUE_JOB),
    ),
    outcome: "FAILED",
    line: new RegExp(
      `Glue job ${GLUE_JOB} does not exist; create the Glue job .*\\(state MapDefectCodes JobName\\)`,
    ),
  },
  {
    name: "Glue database renamed",
    breakIt: swap(
      () => world.preflight.glue.deleteDatabase(SEED_DATABASES[1]),
      () => world.preflight.glue.createDatabase(SEED_DATABASES[1]),
    ),
    outcome: "FAILED",
    line: /Glue database poc_monitoring does not exist in the Glue Data Catalog.*\(input dq_athena_db\)/,
  },
  {
    name: "Batch queue DISABLED",
    breakIt: () => {
      world.batch.resources.putJobQueue({
        name: SEED_QUEUE,
        state: "DISABLED",
        computeEnvironments: [SEED_COMPUTE_ENVIRONMENT],
      });
      return () =>
        world.batch.resources.putJobQueue({
          name: SEED_QUEUE,
          computeEnvironments: [SEED_COMPUTE_ENVIRONMENT],
        });
    },
    outcome: "FAILED",
    line: /Batch job queue arn:.*job-queue\/test-training is DISABLED: jobs would wait RUNNABLE forever; enable the job queue/,
  },
  {
    name: "Batch queue INVALID",
    breakIt: () => {
      world.batch.resources.putJobQueue({
        name: SEED_QUEUE,
        status: "INVALID",
        statusReason: "CLIENT_ERROR - bad",
        computeEnvironments: [SEED_COMPUTE_ENVIRONMENT],
      });
      return () =>
        world.batch.resources.putJobQueue({
          name: SEED_QUEUE,
          computeEnvironments: [SEED_COMPUTE_ENVIRONMENT],
        });
    },
    outcome: "FAILED",
    line: /Batch job queue .* is INVALID \(CLIENT_ERROR - bad\)/,
  },
  {
    name: "Batch queue missing",
    breakIt: swap(
      () => world.batch.resources.deleteJobQueue(SEED_QUEUE),
      () =>
        world.batch.resources.putJobQueue({
          name: SEED_QUEUE,
          computeEnvironments: [SEED_COMPUTE_ENVIRONMENT],
        }),
    ),
    outcome: "FAILED",
    line: /Batch job queue .*test-training does not exist/,
  },
  {
    name: "the compute environment capped at 0 vCPUs",
    breakIt: () => {
      world.batch.resources.putComputeEnvironment({ name: SEED_COMPUTE_ENVIRONMENT, maxvCpus: 0 });
      return () =>
        world.batch.resources.putComputeEnvironment({ name: SEED_COMPUTE_ENVIRONMENT, maxvCpus: 256 });
    },
    outcome: "FAILED",
    line: /no compute environment can run its jobs \(test-training-ce has maxvCpus 0\)/,
  },
  {
    name: "the compute environment INVALID",
    breakIt: () => {
      world.batch.resources.putComputeEnvironment({
        name: SEED_COMPUTE_ENVIRONMENT,
        status: "INVALID",
        statusReason: "subnet gone",
      });
      return () =>
        world.batch.resources.putComputeEnvironment({ name: SEED_COMPUTE_ENVIRONMENT, maxvCpus: 256 });
    },
    outcome: "FAILED",
    line: /test-training-ce is INVALID \(subnet gone\)/,
  },
  {
    name: "one of two compute environments DISABLED",
    breakIt: () => {
      world.batch.resources.putComputeEnvironment({ name: "spare-ce", state: "DISABLED" });
      world.batch.resources.putJobQueue({
        name: SEED_QUEUE,
        computeEnvironments: [SEED_COMPUTE_ENVIRONMENT, "spare-ce"],
      });
      return () =>
        world.batch.resources.putJobQueue({
          name: SEED_QUEUE,
          computeEnvironments: [SEED_COMPUTE_ENVIRONMENT],
        });
    },
    outcome: "warning",
    line: /1 of 2 compute environments can run jobs \(spare-ce is DISABLED\)/,
  },
  {
    name: "job definition revision deregistered",
    breakIt: swap(
      () => world.batch.resources.deregisterJobDefinition("test-training", 3),
      () => world.batch.resources.registerJobDefinition("test-training", 3),
    ),
    outcome: "FAILED",
    line: /Batch job definition .*test-training:3 revision 3 is INACTIVE \(deregistered\)/,
  },
  {
    name: "SNS topic deleted",
    breakIt: swap(
      () => world.preflight.sns.deleteTopic(SEED_TOPIC),
      () => world.preflight.sns.createTopic(SEED_TOPIC),
    ),
    outcome: "FAILED",
    line: /SNS topic arn:aws:sns:ap-south-1:731580992380:model_start_dq_notification does not exist.*\(state NotifyDone TopicArn, input email_topic_arn\)/,
  },
  {
    name: "event bus missing",
    breakIt: swap(
      () => world.preflight.events.deleteEventBus(SEED_BUS),
      () => world.preflight.events.createEventBus(SEED_BUS),
    ),
    outcome: "FAILED",
    line: /EventBridge bus async_monitoring_event_bus does not exist.*\(state AnnounceTraining Entries\.0\.EventBusName, input training_event_bus_name\)/,
  },
  {
    name: "DynamoDB table not yet created",
    breakIt: swap(
      () => world.preflight.dynamodb.deleteTable(SEED_TABLES[1]),
      () => world.preflight.dynamodb.createTable(SEED_TABLES[1]),
    ),
    outcome: "FAILED",
    line: /DynamoDB table traininputtable does not exist/,
  },
  {
    name: "DynamoDB table still CREATING",
    breakIt: swap(
      () => world.preflight.dynamodb.createTable(SEED_TABLES[2], "CREATING"),
      () => world.preflight.dynamodb.createTable(SEED_TABLES[2]),
    ),
    outcome: "FAILED",
    line: /DynamoDB table trainmetatable is CREATING, not ACTIVE; wait until the table is ACTIVE \(state RecordRun TableName, input train_metatable_name\)/,
  },
  {
    name: "S3 bucket missing",
    breakIt: swap(
      () => world.preflight.s3.deleteBucket(SEED_BUCKETS[1]),
      () => world.preflight.s3.createBucket(SEED_BUCKETS[1]),
    ),
    outcome: "FAILED",
    line: /S3 bucket msil-poc-apsouth1-shared does not exist/,
  },
  {
    name: "S3 bucket in another region",
    breakIt: swap(
      () => world.preflight.s3.createBucket(SEED_BUCKETS[1], { region: "us-east-1" }),
      () => world.preflight.s3.createBucket(SEED_BUCKETS[1]),
    ),
    outcome: "FAILED",
    line: /S3 bucket msil-poc-apsouth1-shared is in us-east-1, not the input's region ap-south-1/,
  },
  {
    name: "mapping_json.json missing",
    breakIt: swap(
      () => world.preflight.s3.deleteObject(INTERNAL, SEED_MAPPING_KEY),
      () => world.preflight.s3.putObject(INTERNAL, SEED_MAPPING_KEY, "{}"),
    ),
    outcome: "FAILED",
    line: /S3 object s3:\/\/msil-poc-apsouth1-internal\/mapping_json\/mapping_json\.json does not exist/,
  },
  {
    name: "mapping_json.json empty",
    breakIt: swap(
      () => world.preflight.s3.putObject(INTERNAL, SEED_MAPPING_KEY, ""),
      () => world.preflight.s3.putObject(INTERNAL, SEED_MAPPING_KEY, "{}"),
    ),
    outcome: "warning",
    line: /S3 object .*mapping_json\.json is empty \(0 bytes\)/,
  },
  {
    name: "SSM parameter missing",
    breakIt: swap(
      () => world.ssm.deleteParameter(SEED_SSM_STATUS),
      () => world.ssm.putParameter({ name: SEED_SSM_STATUS, value: "false" }),
    ),
    outcome: "FAILED",
    line: /SSM parameter training_complete_status does not exist.*\(input ssm_training_complete_status\)/,
  },
  {
    name: "role without glue:StartJobRun on a new job",
    breakIt: () => {
      world.preflight.iam.putRole(ROLE, [
        ...SEED_ROLE_POLICY,
        {
          effect: "Deny",
          actions: ["glue:StartJobRun"],
          resources: [`arn:aws:glue:ap-south-1:731580992380:job/${GLUE_JOB}`],
        },
      ]);
      return () => world.preflight.iam.putRole(ROLE, SEED_ROLE_POLICY);
    },
    outcome: "FAILED",
    line: new RegExp(
      `state machine role on arn:aws:glue:ap-south-1:731580992380:job/${GLUE_JOB} may not glue:StartJobRun \\(explicitDeny\\); allow glue:StartJobRun on .* in the policy of ${ROLE.replace(/[.*]/g, "\\$&")}`,
    ),
  },
  {
    name: "role missing sns:Publish (implicit deny)",
    breakIt: () => {
      world.preflight.iam.putRole(
        ROLE,
        SEED_ROLE_POLICY.filter((s) => !s.actions.includes("sns:Publish")),
      );
      return () => world.preflight.iam.putRole(ROLE, SEED_ROLE_POLICY);
    },
    outcome: "FAILED",
    line: /state machine role on arn:aws:sns:.*model_start_dq_notification may not sns:Publish \(implicitDeny\)/,
  },
  {
    name: "role deleted",
    breakIt: swap(
      () => world.preflight.iam.deleteRole(ROLE),
      () => world.preflight.iam.putRole(ROLE, SEED_ROLE_POLICY),
    ),
    outcome: "FAILED",
    line: /cannot be simulated: the role arn:aws:iam::731580992380:role\/service-role\/preflight-DCP does not exist/,
  },
];

describe("batchinf preflight", () => {
  it("the seed's pipeline with every resource in place: every check ok, each resource once, in parallel (exit 0)", async () => {
    const result = await preflight(["--output", "json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result, "FAILED")).toEqual([]);
    // 5 Glue jobs, queue, job definition, 2 buckets, mapping file, 3 tables, 2 databases, parameter, topic, bus.
    const resources = lines(result, "ok").filter((line) => !line.includes("state machine role on"));
    expect(resources).toHaveLength(18);
    expect(result.stderr).toMatch(
      /preflight: 31 checks, 31 ok, 0 failed, 0 warnings, 0 not checked in .* \(32 AWS calls\)/,
    );
    // Each resource once, however many states and keys name it.
    expect(world.fake.callsTo("GetJob")).toHaveLength(5);
    expect(world.fake.callsTo("DescribeTable")).toHaveLength(3);
    expect(world.fake.callsTo("DescribeJobQueues")).toHaveLength(1);
    expect(world.fake.callsTo("GetBucketLocation")).toHaveLength(2);
    expect(world.fake.callsTo("SimulatePrincipalPolicy")).toHaveLength(13);
    expect(world.fake.callsTo("StartExecution")).toHaveLength(0);
    const printed = JSON.parse(result.stdout);
    expect(printed.preflight.role).toBe(ROLE);
    expect(printed.preflight.checks).toHaveLength(31);
    expect(printed.preflight.checks.every((c: { outcome: string }) => c.outcome === "ok")).toBe(true);
    expect(saved(result).preflight.checks).toHaveLength(31);
    // The parameters came from the input: the resolved queue, the JSONata table.
    expect(result.stderr).toMatch(
      /Batch job queue .*test-training is ENABLED and VALID.*\(state RunBatchInference JobQueue, input aws_batch_job_queue\)/,
    );
    expect(result.stderr).toMatch(/DynamoDB table trainmetatable is ACTIVE \(state RecordRun TableName/);
  });

  for (const c of CASES) {
    it(`${c.name}: ${c.outcome === "FAILED" ? "a failed check, exit 3" : "a warning, exit 0"}`, async () => {
      pipeline();
      const restore = c.breakIt();
      try {
        const result = await preflight();
        expect(result.code, result.stderr).toBe(c.outcome === "FAILED" ? 3 : 0);
        const found = lines(result, c.outcome);
        expect(found, result.stderr).toHaveLength(1);
        expect(found[0]).toMatch(c.line);
        if (c.outcome === "FAILED") {
          expect(result.stderr).toMatch(
            /error: Preflight: 1 check failed; nothing was started\. Fix it, or pass --preflight warn to start anyway\./,
          );
          expect(
            saved(result).preflight.checks.filter((x: { outcome: string }) => x.outcome === "failed"),
          ).toHaveLength(1);
          expect(saved(result).outcome).toMatchObject({ exitCode: 3, reason: "error" });
        }
      } finally {
        restore();
      }
    });
  }
});

describe("batchinf preflight, interrupted", () => {
  it("SIGTERM while a check never answers: exit 143, the result's outcome says interrupted as run's does (review: reason SIGTERM, an error)", async () => {
    world.fake.faults.add({ operation: "GetJob", kind: "hang" });
    const running = preflight();
    const end = Date.now() + 10_000;
    while (!world.fake.callsTo("GetJob").some((call) => call.outcome === "hung")) {
      if (Date.now() > end) throw new Error("GetJob was never sent");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    world.signals.fire("SIGTERM");
    const result = await running;
    expect(result.code, result.stderr).toBe(143);
    expect(saved(result)).toMatchObject({
      status: "NOT_STARTED",
      outcome: { exitCode: 143, reason: "interrupted" },
    });
    expect(world.fake.callsTo("StartExecution")).toHaveLength(0);
  }, 20_000);
});

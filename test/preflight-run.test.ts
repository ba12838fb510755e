import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeAws } from "./fake-aws/index.js";
import { SEED_ROLE_POLICY, seedPipelineDefinition } from "./fake-aws/preflight-seed.js";
import { PIPELINE_GLUE_JOBS, pipelineSucceeds } from "./fake-aws/sfn-scenarios.js";
import { type FastRun, runFast, useFastWorld } from "./helpers/fast-world.js";
import { ROOT, seedWorkspace } from "./helpers/seed.js";

// Preflight inside run and backfill (--preflight strict|warn|off), and the
// checks that cannot be made: denied, throttled, an endpoint that does not
// implement the call or answers what cannot be parsed, parameters that cannot
// be known before the run, Task kinds preflight has no check for.
const world = useFastWorld();
const SHORT = pipelineSucceeds({ glueMs: 60_000, batchMs: 120_000 });
const GLUE_JOB = PIPELINE_GLUE_JOBS[0]?.[1] as string;
/** Every operation preflight calls. */
const PREFLIGHT_OPERATIONS = [
  "GetJob",
  "GetDatabase",
  "DescribeJobQueues",
  "DescribeComputeEnvironments",
  "DescribeJobDefinitions",
  "GetFunction",
  "GetTopicAttributes",
  "DescribeEventBus",
  "DescribeTable",
  "GetBucketLocation",
  "HeadObject",
  "GetParameter",
  "SimulatePrincipalPolicy",
];
let machines = 0;

function machine(definition = seedPipelineDefinition()): string {
  machines += 1;
  const name = `preflight-run-${machines}`;
  world.preflight.iam.putRole(`arn:aws:iam::731580992380:role/${name}-sfn-role`, SEED_ROLE_POLICY);
  return world.sfn.addStateMachine({ name, definition, script: SHORT });
}

async function cli(args: string[], env?: Record<string, string>): Promise<FastRun> {
  const cwd = seedWorkspace();
  return runFast(world, [...args, "--result-file", join(cwd, "result.json")], {
    cwd,
    ...(env ? { env } : {}),
  });
}

const saved = (result: FastRun) => JSON.parse(readFileSync(join(result.cwd, "result.json"), "utf8"));
const preflightCalls = () => world.fake.calls.filter((call) => PREFLIGHT_OPERATIONS.includes(call.operation));

afterEach(() => {
  world.preflight.glue.createJob(GLUE_JOB);
});

describe("run --preflight", () => {
  it("strict (the default): a failed check starts nothing, exit 3, the resource and what to do", async () => {
    const arn = machine();
    world.preflight.glue.deleteJob(GLUE_JOB);
    const result = await cli(["run", "--state-machine-arn", arn]);
    expect(result.code, result.stderr).toBe(3);
    expect(world.fake.callsTo("StartExecution")).toHaveLength(0);
    expect(result.stderr).toMatch(
      /error: Preflight: 1 check failed; nothing was started\. Fix it, or pass --preflight warn to start anyway\.\n.*Glue job DCP-batch-inference-dq-check does not exist; create the Glue job \(Terraform\), or fix the JobName the state machine passes \(state DataQualityCheck JobName\)/,
    );
    const result0 = saved(result);
    expect(result0).toMatchObject({ status: "NOT_STARTED", outcome: { exitCode: 3 } });
    expect(result0.preflight.checks.find((c: { outcome: string }) => c.outcome === "failed")).toMatchObject({
      kind: "glue-job",
      resource: GLUE_JOB,
      message: "does not exist",
    });
  });

  it("warn: starts anyway, and the log, result, JUnit and HTML report what failed", async () => {
    const arn = machine();
    world.preflight.glue.deleteJob(GLUE_JOB);
    const cwd = seedWorkspace();
    const result = await runFast(
      world,
      [
        "run",
        "--state-machine-arn",
        arn,
        "--result-file",
        join(cwd, "result.json"),
        "--junit",
        join(cwd, "junit.xml"),
        "--report-html",
        join(cwd, "report.html"),
      ],
      { cwd, env: { BATCHINF_PREFLIGHT: "warn" } },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(world.fake.callsTo("StartExecution")).toHaveLength(1);
    expect(result.stderr).toMatch(/preflight: 1 check failed; starting anyway \(--preflight warn\)\./);
    expect(result.stderr.indexOf("starting anyway")).toBeLessThan(result.stderr.indexOf("Started execution"));
    const file = JSON.parse(readFileSync(join(cwd, "result.json"), "utf8"));
    expect(file.status).toBe("SUCCEEDED");
    expect(file.preflight.mode).toBe("warn");
    expect(file.preflight.checks.filter((c: { outcome: string }) => c.outcome === "failed")).toHaveLength(1);

    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" }).parse(
      readFileSync(join(cwd, "junit.xml"), "utf8"),
    );
    const suites = [junit.testsuites.testsuite].flat();
    const suite = suites.find((s: { "@name": string }) => s["@name"] === "preflight");
    expect(suite["@tests"]).toBe(String(file.preflight.checks.length));
    expect(suite["@failures"]).toBe("1");
    const failedCase = suite.testcase.find((c: { failure?: unknown }) => c.failure);
    expect(failedCase["@name"]).toBe(`Glue job ${GLUE_JOB}`);
    expect(failedCase.failure["@message"]).toMatch(/^does not exist; create the Glue job/);
    // The execution's own testsuite is still there.
    expect(suites).toHaveLength(2);

    const html = readFileSync(join(cwd, "report.html"), "utf8");
    expect(html).toContain("<h2>Preflight</h2>");
    expect(html).toMatch(
      new RegExp(
        `<span class="badge t-failed">failed</span></td><td>Glue job</td><td><code class="arn">${GLUE_JOB}</code>`,
      ),
    );
  });

  it("off: no preflight call at all", async () => {
    const arn = machine();
    world.preflight.glue.deleteJob(GLUE_JOB);
    const result = await cli(["run", "--state-machine-arn", arn, "--preflight", "off"]);
    expect(result.code, result.stderr).toBe(0);
    expect(preflightCalls()).toEqual([]);
    expect(result.stderr).not.toMatch(/^(?:\w+: )?preflight/m);
    expect(saved(result).preflight).toBeUndefined();
  });

  it("an unknown mode is a usage error naming the choices (exit 2)", async () => {
    const result = await cli(["run", "--state-machine-arn", machine()], { BATCHINF_PREFLIGHT: "maybe" });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /BATCHINF_PREFLIGHT \(--preflight\) is 'maybe'; allowed: strict, warn, off\./,
    );
    expect(world.fake.callsTo("StartExecution")).toHaveLength(0);
  });
});

describe("backfill preflight", () => {
  it("30 dates: every resource checked once for all of them, before the first start", async () => {
    const arn = machine();
    const result = await cli([
      "backfill",
      "--state-machine-arn",
      arn,
      "--from",
      "2023-10-01",
      "--to",
      "2023-10-30",
      "--concurrency",
      "10",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(world.fake.callsTo("StartExecution")).toHaveLength(30);
    expect(world.fake.callsTo("GetJob")).toHaveLength(5);
    expect(world.fake.callsTo("GetDatabase")).toHaveLength(2);
    expect(world.fake.callsTo("DescribeTable")).toHaveLength(3);
    expect(world.fake.callsTo("GetBucketLocation")).toHaveLength(2);
    expect(world.fake.callsTo("HeadObject")).toHaveLength(1);
    expect(world.fake.callsTo("DescribeJobQueues")).toHaveLength(1);
    expect(world.fake.callsTo("SimulatePrincipalPolicy")).toHaveLength(13);
    const firstStart = world.fake.calls.findIndex((call) => call.operation === "StartExecution");
    const lastPreflight = world.fake.calls.findLastIndex((call) =>
      PREFLIGHT_OPERATIONS.includes(call.operation),
    );
    expect(lastPreflight).toBeLessThan(firstStart);
    expect(result.stderr.match(/^preflight: \d+ checks/gm)).toHaveLength(1);
    const file = saved(result);
    expect(file.preflight.checks).toHaveLength(31);
    expect(file.results.every((r: { preflight?: unknown }) => r.preflight === undefined)).toBe(true);
  });

  it("a failed check under strict: exit 3, no date started", async () => {
    const arn = machine();
    world.preflight.glue.deleteJob(GLUE_JOB);
    const result = await cli(["backfill", "--state-machine-arn", arn, "--dates", "2023-10-01,2023-10-02"]);
    expect(result.code, result.stderr).toBe(3);
    expect(world.fake.callsTo("StartExecution")).toHaveLength(0);
    expect(saved(result).preflight.checks.some((c: { outcome: string }) => c.outcome === "failed")).toBe(
      true,
    );
  });
});

describe("preflight and the interrupt, and the bundles", () => {
  it("SIGTERM while a preflight call hangs: cut short, nothing started, exit 143", async () => {
    world.fake.faults.add({ operation: "GetJob", kind: "hang" });
    const watching = setInterval(() => {
      if (world.fake.callsTo("GetJob").length > 0) {
        clearInterval(watching);
        world.signals.fire("SIGTERM");
      }
    }, 5);
    const result = await cli(["run", "--state-machine-arn", machine()]);
    clearInterval(watching);
    expect(result.code, result.stderr).toBe(143);
    expect(world.fake.callsTo("StartExecution")).toHaveLength(0);
  });

  it("the bin carries none of preflight's SDK clients: render, validate and --version load none", () => {
    const dist = join(ROOT, "dist");
    const bin = readFileSync(join(dist, "batchinf.cjs"), "utf8");
    const chunks = readdirSync(dist)
      .filter((name) => name.endsWith(".mjs"))
      .map((name) => readFileSync(join(dist, name), "utf8"))
      .join("\n");
    for (const operation of [
      "SimulatePrincipalPolicy",
      "GetBucketLocation",
      "DescribeJobQueues",
      "GetTopicAttributes",
    ]) {
      expect(chunks, operation).toContain(`"${operation}"`);
      expect(bin, operation).not.toContain(`"${operation}"`);
    }
  });
});

describe("checks that cannot be made are never fatal", () => {
  it("denied to batchinf: not checked, and one line naming the permissions to add to the Jenkins role", async () => {
    world.fake.faults.add({ operation: "GetDatabase", kind: "accessDenied" });
    world.fake.faults.add({ operation: "SimulatePrincipalPolicy", kind: "accessDenied" });
    const result = await cli(["preflight", "--state-machine-arn", machine()]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /preflight not checked Glue database poc_monitoring: batchinf may not look \(glue:GetDatabase denied\)/,
    );
    const summary = result.stderr.split("\n").filter((line) => /could not look at/.test(line));
    expect(summary).toEqual([
      "warning: preflight could not look at 15 resources: add glue:GetDatabase, iam:SimulatePrincipalPolicy to the role Jenkins runs as.",
    ]);
  });

  it("throttled until the SDK's retries run out: not checked, the reason said", async () => {
    world.fake.faults.add({ operation: "GetJob", kind: "throttle" });
    const result = await cli(["preflight", "--state-machine-arn", machine()]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(
        `preflight not checked Glue job ${GLUE_JOB}: the service could not answer: retries exhausted after 6 attempts \\(ThrottlingException: Rate exceeded\\)`,
      ),
    );
  });

  it("an endpoint that does not implement the call (AWS_ENDPOINT_URL_DYNAMODB): not checked, with the reason", async () => {
    const empty = await startFakeAws();
    process.env.AWS_ENDPOINT_URL_DYNAMODB = empty.url;
    try {
      const result = await cli(["preflight", "--state-machine-arn", machine()]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(
        /preflight not checked DynamoDB table trainstatetable: the endpoint does not implement dynamodb:DescribeTable \(UnknownOperationException\)/,
      );
      expect(empty.callsTo("DescribeTable")).toHaveLength(3);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
      await empty.close();
    }
  });

  it("an answer that cannot be parsed (AWS_ENDPOINT_URL_SNS): not checked, with the reason", async () => {
    const garbage = createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/xml" });
      res.end("<<this is not XML");
    });
    await new Promise<void>((resolve) => garbage.listen(0, "127.0.0.1", resolve));
    process.env.AWS_ENDPOINT_URL_SNS = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`;
    try {
      const result = await cli(["preflight", "--state-machine-arn", machine()]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(
        /preflight not checked SNS topic .*model_start_dq_notification: the service's answer could not be parsed/,
      );
    } finally {
      delete process.env.AWS_ENDPOINT_URL_SNS;
      garbage.closeAllConnections();
      await new Promise((resolve) => garbage.close(resolve));
    }
  });

  it("parameters known only at run time, and Task kinds without a check: not checked, said so", async () => {
    const definition = JSON.stringify({
      StartAt: "Submit",
      States: {
        Submit: {
          Type: "Task",
          Resource: "arn:aws:states:::batch:submitJob.sync",
          Parameters: {
            JobName: "x",
            "JobQueue.$": "$$.Execution.Input.queue",
            "JobDefinition.$": "$.no_such_key",
          },
          Next: "Scale",
        },
        Scale: {
          Type: "Task",
          Resource: "arn:aws:states:::ecs:runTask.sync",
          Parameters: { Cluster: "c" },
          End: true,
        },
      },
    });
    const result = await cli(["preflight", "--state-machine-arn", machine(definition)]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /preflight not checked task parameter Submit\.JobQueue: not resolvable before the run \(\$\$\.Execution\.Input\.queue\)/,
    );
    expect(result.stderr).toMatch(
      /preflight not checked task parameter Submit\.JobDefinition: not resolvable before the run \(\$\.no_such_key\)/,
    );
    expect(result.stderr).toMatch(
      /preflight not checked task parameter Scale: preflight has no check for ecs:runTask tasks/,
    );
    // The input's own queue and job definition are still checked.
    expect(result.stderr).toMatch(
      /preflight ok +Batch job queue .*test-training is ENABLED and VALID.*\(input aws_batch_job_queue\)/,
    );
  });

  it("Lambda functions, named in Parameters or as the Task's Resource: exist, or a failed check", async () => {
    const definition = JSON.stringify({
      StartAt: "Post",
      States: {
        Post: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Parameters: { FunctionName: "dcp-post-process", "Payload.$": "$" },
          Next: "Legacy",
        },
        Legacy: {
          Type: "Task",
          Resource: "arn:aws:lambda:ap-south-1:731580992380:function:dcp-legacy",
          End: true,
        },
      },
    });
    const arn = machine(definition);
    world.preflight.lambda.deleteFunction("dcp-legacy");
    const result = await cli(["preflight", "--state-machine-arn", arn]);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toMatch(
      /preflight ok +Lambda function dcp-post-process exists \(state Post FunctionName\)/,
    );
    expect(result.stderr).toMatch(
      /preflight ok +state machine role on arn:aws:lambda:ap-south-1:731580992380:function:dcp-post-process may lambda:InvokeFunction/,
    );
    expect(result.stderr).toMatch(
      /FAILED +Lambda function arn:aws:lambda:ap-south-1:731580992380:function:dcp-legacy does not exist; deploy the function/,
    );
    world.preflight.lambda.createFunction("dcp-legacy");
    const fixed = await cli(["preflight", "--state-machine-arn", arn]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stderr).toMatch(
      /preflight ok +Lambda function arn:.*function:dcp-legacy exists \(state Legacy FunctionName\)/,
    );
  });
});

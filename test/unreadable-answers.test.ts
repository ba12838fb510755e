import { join } from "node:path";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { describe, expect, it } from "vitest";
import { pipelineSucceeds } from "./fake-aws/sfn-scenarios.js";
import { SSM_PATH } from "./helpers/aws.js";
import { runFast, useFastWorld } from "./helpers/fast-world.js";
import { SEED_DATE, seedWorkspace } from "./helpers/seed.js";

// An endpoint that answers something other than AWS (a proxy's HTML page, a
// body cut off): the SDK says "Deserialization error: ... $response"; batchinf
// says which call, which host, what came back, and exits 3.
const world = useFastWorld();
let machineAdded = false;

function machine(): string {
  if (!machineAdded) {
    world.sfn.addStateMachine({ name: "batch-inference-DCP", script: pipelineSucceeds() });
    machineAdded = true;
  }
  return world.stateMachineArn;
}

describe("the fake's unreadable answers, as the real SDK meets them", () => {
  it("htmlPage is a 502 HTML page, truncatedJson a 200 whose JSON stops halfway: both a deserialization error", async () => {
    const client = new SSMClient({ ...world.fake.clientConfig(), maxAttempts: 1 });
    for (const kind of ["htmlPage", "truncatedJson"] as const) {
      const rule = world.fake.faults.add({ kind, operation: "GetParameter", count: 1 });
      const error = (await client.send(new GetParameterCommand({ Name: "/x" })).catch((e: unknown) => e)) as {
        message: string;
        $metadata: { httpStatusCode: number };
      };
      expect(rule.injected).toBe(1);
      expect(error.message).toMatch(/Deserialization error/);
      expect(error.$metadata.httpStatusCode).toBe(kind === "htmlPage" ? 502 : 200);
    }
    client.destroy();
  });
});

describe("batchinf says it in one plain sentence, exit 3", () => {
  it("render: an HTML page where SSM should answer names the call, the host and the status", async () => {
    world.fake.faults.add({ kind: "htmlPage", service: "AmazonSSM" });
    const cwd = seedWorkspace();
    const result = await runFast(world, [
      "render",
      "--ssm-path",
      SSM_PATH,
      "--date",
      SEED_DATE,
      "--tfvars",
      join(cwd, "tfvars.json"),
      "--repo-dir",
      cwd,
    ]);
    expect(result.code).toBe(3);
    const host = new URL(world.fake.url).host;
    expect(result.stderr).toContain(
      `error: ssm:GetParametersByPath on ${SSM_PATH} in ap-south-1: the endpoint ${host} answered HTTP 502 with an HTML page that is not the service's JSON or XML after 6 attempts; check AWS_ENDPOINT_URL and any proxy between here and AWS.`,
    );
    expect(result.stderr).not.toMatch(/Deserialization|\$response/);
  });

  it("run: a cut-off answer to the start is exit 3 with the same sentence; a proxy's 502 page mid-wait is absorbed like any 5xx", async () => {
    machine();
    world.fake.faults.add({ kind: "truncatedJson", operation: "DescribeStateMachine" });
    const broken = await runFast(world, ["run"]);
    expect(broken.code).toBe(3);
    expect(broken.stderr).toMatch(
      /error: states:DescribeStateMachine .*: the endpoint 127\.0\.0\.1:\d+ answered HTTP 200 with a body that is not the service's JSON or XML; check AWS_ENDPOINT_URL/,
    );
    world.fake.faults.clear();
    world.sfn.queueScript(machine(), pipelineSucceeds());
    // Every SDK attempt of one poll meets the page: the poll fails, the loop tries again, the run succeeds.
    world.fake.faults.add({ kind: "htmlPage", operation: "GetExecutionHistory", every: 1, count: 6 });
    const weathered = await runFast(world, ["run"]);
    expect(weathered.code, weathered.stderr).toBe(0);
    expect(weathered.stderr).toMatch(
      /warning: polling failed \(an answer that is not the service's JSON or XML, HTTP 502\); trying again/,
    );
  });
});

import { BatchClient, DescribeJobsCommand } from "@aws-sdk/client-batch";
import { DescribeExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createBatchService,
  createSfnService,
  createSsmService,
  createStsService,
  type FakeAws,
  type SessionCredentials,
  type StsService,
  startFakeAws,
} from "./fake-aws/index.js";

const ACCOUNT = "731580992380";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/batchinf-long-wait`;
const T0 = Date.UTC(2023, 9, 14, 6, 0, 0);
let now = T0;
const clock = { now: () => now };
let fake: FakeAws;
let sts: StsService;

beforeAll(async () => {
  sts = createStsService({ accountId: ACCOUNT, clock });
  sts.allowAssume(ROLE);
  const sfn = createSfnService({ accountId: ACCOUNT, region: "ap-south-1", clock });
  fake = await startFakeAws({
    services: [
      createSsmService({ accountId: ACCOUNT, region: "ap-south-1" }),
      sfn,
      createBatchService({ sfn, clock }),
    ],
    clock,
    sts,
  });
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  now = T0;
  sts.setSessionSeconds(undefined);
  fake.resetCalls();
  fake.faults.clear();
});

function stsClient(credentials = fake.clientConfig().credentials): STSClient {
  return new STSClient({ ...fake.clientConfig(), credentials, maxAttempts: 1 });
}

function asCredentials(session: SessionCredentials) {
  return {
    accessKeyId: session.accessKeyId,
    secretAccessKey: session.secretAccessKey,
    sessionToken: session.sessionToken,
  };
}

/** The SDK's rejection, as batchinf sees it: name, HTTP status, message. */
async function rejection(call: Promise<unknown>) {
  const error = (await call.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return { name: error?.name, status: error?.$metadata?.httpStatusCode, message: error?.message };
}

describe("fake STS: AssumeRole in the query protocol", () => {
  it("answers the real SDK with Credentials (key, secret, token, Expiration) and AssumedRoleUser", async () => {
    const answer = await stsClient().send(
      new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "batchinf-42" }),
    );
    expect(answer.Credentials?.AccessKeyId).toMatch(/^ASIA[0-9A-F]{16}$/);
    expect(answer.Credentials?.SecretAccessKey).toBeTruthy();
    expect(answer.Credentials?.SessionToken).toBeTruthy();
    // DurationSeconds defaults to an hour.
    expect(answer.Credentials?.Expiration?.getTime()).toBe(T0 + 3_600_000);
    expect(answer.AssumedRoleUser).toEqual({
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/batchinf-long-wait/batchinf-42`,
      AssumedRoleId: expect.stringMatching(/^AROA[0-9A-F]+:batchinf-42$/),
    });
    expect(fake.callsTo("AssumeRole")).toEqual([
      expect.objectContaining({ outcome: 200, input: expect.objectContaining({ RoleArn: ROLE }) }),
    ]);
  });

  it("hands out sessions of a set length when a test asks (to reach the SDK's renewal window in seconds)", async () => {
    sts.setSessionSeconds(302);
    const answer = await stsClient().send(
      new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "batchinf-s", DurationSeconds: 3600 }),
    );
    expect(answer.Credentials?.Expiration?.getTime()).toBe(T0 + 302_000);
  });

  it("refuses a role it may not assume (AccessDenied, 403) and malformed requests (ValidationError, 400)", async () => {
    const denied = await rejection(
      stsClient().send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/admin`,
          RoleSessionName: "batchinf-s",
        }),
      ),
    );
    expect(denied).toMatchObject({ name: "AccessDenied", status: 403 });
    expect(denied.message).toMatch(
      /is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::\d+:role\/admin/,
    );
    const badName = await rejection(
      stsClient().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "has space" })),
    );
    expect(badName).toMatchObject({ name: "ValidationError", status: 400 });
    const tooShort = await rejection(
      stsClient().send(
        new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "batchinf-s", DurationSeconds: 60 }),
      ),
    );
    expect(tooShort).toMatchObject({ name: "ValidationError", status: 400 });
  });

  it("caps role chaining at one hour, as AWS does", async () => {
    const chained = stsClient(asCredentials(sts.issueSession(3600)));
    const refused = await rejection(
      chained.send(
        new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "batchinf-s", DurationSeconds: 7200 }),
      ),
    );
    expect(refused).toMatchObject({ name: "ValidationError", status: 400 });
    expect(refused.message).toMatch(/1 hour session limit for roles assumed by role chaining/);
    const ok = await chained.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "batchinf-s" }));
    expect(ok.Credentials?.Expiration?.getTime()).toBe(T0 + 3_600_000);
  });
});

describe("expired sessions: every service answers ExpiredTokenException (400), STS ExpiredToken", () => {
  it("a session is good until its Expiration, and refused by each service after it", async () => {
    const session = sts.issueSession(900);
    const config = { ...fake.clientConfig(), credentials: asCredentials(session), maxAttempts: 1 };
    const ssm = new SSMClient(config);
    const sfn = new SFNClient(config);
    const batch = new BatchClient(config);
    const calls = {
      ssm: () => ssm.send(new GetParameterCommand({ Name: "/nope" })),
      sfn: () =>
        sfn.send(
          new DescribeExecutionCommand({
            executionArn: `arn:aws:states:ap-south-1:${ACCOUNT}:execution:m:e`,
          }),
        ),
      batch: () => batch.send(new DescribeJobsCommand({ jobs: ["j"] })),
      sts: () =>
        stsClient(asCredentials(session)).send(
          new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "batchinf-s" }),
        ),
    };
    // Before the expiry: each service answers as usual (not found, or the answer).
    now = T0 + 899_000;
    for (const call of Object.values(calls)) {
      expect(String((await rejection(call())).name)).not.toMatch(/Expired/);
    }
    now = T0 + 900_000;
    for (const [service, call] of Object.entries(calls)) {
      const refused = await rejection(call());
      expect(refused, service).toMatchObject({
        name: service === "sts" ? "ExpiredToken" : "ExpiredTokenException",
        status: 400,
        message: "The security token included in the request is expired",
      });
    }
    for (const client of [ssm, sfn, batch]) client.destroy();
  });

  it("keys it never issued are not judged (the fake does not authenticate)", async () => {
    const ssm = new SSMClient({
      ...fake.clientConfig(),
      credentials: { accessKeyId: "x", secretAccessKey: "y", sessionToken: "someone-elses" },
      maxAttempts: 1,
    });
    now = T0 + 86_400_000;
    expect((await rejection(ssm.send(new GetParameterCommand({ Name: "/nope" })))).name).toBe(
      "ParameterNotFound",
    );
    ssm.destroy();
  });
});

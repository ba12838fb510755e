// Drives the real @aws-sdk/client-ssm against the local fake, so what these
// tests pin down (error names, retries, paging) is SDK behaviour the CLI will
// meet in production, not an artefact of a mocked send().

import { Agent } from "node:http";
import {
  AccessDeniedException,
  GetParameterCommand,
  GetParametersByPathCommand,
  type GetParametersByPathCommandOutput,
  GetParametersCommand,
  InvalidNextToken,
  type Parameter,
  ParameterNotFound,
  paginateGetParametersByPath,
  SSMClient,
  SSMServiceException,
} from "@aws-sdk/client-ssm";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AwsFault, createSsmService, type FakeAws, type SsmService, startFakeAws } from "./fake-aws/index.js";

let aws: FakeAws;
let ssm: SsmService;
const clients: SSMClient[] = [];

beforeEach(async () => {
  ssm = createSsmService();
  aws = await startFakeAws({ services: [ssm] });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await aws.close();
});

/** A real client aimed at the fake; 1 ms backoff keeps retry tests fast without changing which errors retry. */
function client(options: { attempts?: number; requestTimeout?: number } = {}): SSMClient {
  const c = new SSMClient({
    ...aws.clientConfig(),
    retryStrategy: new ConfiguredRetryStrategy(options.attempts ?? 1, () => 1),
    ...(options.requestTimeout
      ? { requestHandler: { requestTimeout: options.requestTimeout, throwOnRequestTimeout: true } }
      : {}),
  });
  clients.push(c);
  return c;
}

async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error("expected the call to fail");
}

function seedTree(base: string, count: number): void {
  for (let i = 0; i < count; i++)
    ssm.putParameter({ name: `${base}/p${String(i).padStart(2, "0")}`, value: `v${i}` });
}

async function allPages(
  c: SSMClient,
  path: string,
  recursive = true,
): Promise<GetParametersByPathCommandOutput[]> {
  const pages: GetParametersByPathCommandOutput[] = [];
  for await (const page of paginateGetParametersByPath(
    { client: c, pageSize: 10 },
    { Path: path, Recursive: recursive },
  )) {
    pages.push(page);
  }
  return pages;
}

const names = (params: Parameter[] | undefined) => (params ?? []).map((p) => p.Name);

describe("GetParameter", () => {
  it("returns the parameter with AWS's fields and a Date timestamp", async () => {
    const modified = new Date("2023-10-14T08:30:00.250Z");
    ssm.putParameter({ name: "/mlops/dcp/region", value: "ap-south-1", lastModifiedDate: modified });
    ssm.putParameter({ name: "/mlops/dcp/region", value: "ap-south-1", lastModifiedDate: modified });

    const out = await client().send(new GetParameterCommand({ Name: "/mlops/dcp/region" }));

    expect(out.Parameter).toEqual({
      Name: "/mlops/dcp/region",
      Type: "String",
      Value: "ap-south-1",
      Version: 2,
      LastModifiedDate: modified,
      ARN: "arn:aws:ssm:ap-south-1:123456789012:parameter/mlops/dcp/region",
      DataType: "text",
    });
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("accepts the parameter's ARN as its name", async () => {
    ssm.putParameter({ name: "/mlops/dcp/bucket", value: "b" });
    const out = await client().send(new GetParameterCommand({ Name: ssm.arn("/mlops/dcp/bucket") }));
    expect(out.Parameter?.Value).toBe("b");
  });

  it("surfaces an unknown name as the modelled ParameterNotFound class", async () => {
    const err = await failure(client().send(new GetParameterCommand({ Name: "/mlops/missing" })));
    expect(err).toBeInstanceOf(ParameterNotFound);
    expect(err.name).toBe("ParameterNotFound");
    expect(err.$fault).toBe("client");
    expect(err.$metadata).toMatchObject({ httpStatusCode: 400, attempts: 1 });
  });

  it("rejects a malformed name with ValidationException, an unmodelled error the SDK still names", async () => {
    const err = await failure(client().send(new GetParameterCommand({ Name: "/mlops/bad name" })));
    expect(err).toBeInstanceOf(SSMServiceException);
    expect(err.name).toBe("ValidationException");
    expect(err.message).toContain("sub-paths divided by slash symbol");
  });
});

describe("GetParameters", () => {
  it("returns known names and lists unknown ones in InvalidParameters with HTTP 200", async () => {
    ssm.putParameter({ name: "/a/one", value: "1" });
    ssm.putParameter({ name: "/a/two", value: "2" });

    const out = await client().send(
      new GetParametersCommand({ Names: ["/a/one", "/a/nope", "/a/two", "bad name"] }),
    );

    expect(names(out.Parameters)).toEqual(["/a/one", "/a/two"]);
    expect(out.InvalidParameters).toEqual(["/a/nope", "bad name"]);
    expect(aws.callsTo("GetParameters")[0]?.outcome).toBe(200);
  });

  it("rejects more than 10 names with AWS's validation wording", async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `/a/p${i}`);
    const err = await failure(client().send(new GetParametersCommand({ Names: eleven })));
    expect(err.name).toBe("ValidationException");
    expect(err.message).toBe(
      `1 validation error detected: Value '[${eleven.join(", ")}]' at 'names' failed to satisfy constraint: Member must have length less than or equal to 10`,
    );
    expect(err.$metadata).toMatchObject({ httpStatusCode: 400 });
  });
});

describe("GetParametersByPath", () => {
  it("pages 23 parameters as 10 + 10 + 3, one call per page", async () => {
    seedTree("/mlops/dcp", 23);
    const pages = await allPages(client(), "/mlops/dcp");

    expect(pages.map((p) => p.Parameters?.length)).toEqual([10, 10, 3]);
    expect(pages.map((p) => p.NextToken === undefined)).toEqual([false, false, true]);
    expect(new Set(pages.flatMap((p) => names(p.Parameters))).size).toBe(23);
    expect(aws.callsTo("GetParametersByPath").map((c) => c.input.MaxResults)).toEqual([10, 10, 10]);
  });

  it("returns pages of 10 when MaxResults is omitted", async () => {
    seedTree("/big", 12);
    const out = await client().send(new GetParametersByPathCommand({ Path: "/big" }));
    expect(out.Parameters).toHaveLength(10);
    expect(out.NextToken).toBeDefined();
  });

  it("can answer empty pages that still carry a NextToken, which the paginator follows", async () => {
    ssm.setPaging({ emptyPageEvery: 1 });
    seedTree("/mlops/dcp", 23);
    const pages = await allPages(client(), "/mlops/dcp");

    expect(pages.map((p) => p.Parameters?.length)).toEqual([10, 0, 10, 0, 3]);
    expect(pages[1]?.NextToken).toBeDefined();
    expect(new Set(pages.flatMap((p) => names(p.Parameters))).size).toBe(23);
  });

  it("can end with an empty page after a token, as a last best-effort page does", async () => {
    ssm.setPaging({ trailingEmptyPage: true });
    seedTree("/t", 3);
    const pages = await allPages(client(), "/t");
    expect(pages.map((p) => [p.Parameters?.length, p.NextToken !== undefined])).toEqual([
      [3, true],
      [0, false],
    ]);
  });

  it("pages short when ParameterFilters drop items, since AWS filters after paging", async () => {
    for (let i = 0; i < 12; i++) {
      ssm.putParameter({
        name: `/f/p${String(i).padStart(2, "0")}`,
        value: "v",
        type: i < 10 ? "String" : "SecureString",
      });
    }
    const c = client();
    const first = await c.send(
      new GetParametersByPathCommand({
        Path: "/f",
        ParameterFilters: [{ Key: "Type", Values: ["SecureString"] }],
      }),
    );
    expect(first.Parameters).toEqual([]);
    expect(first.NextToken).toBeDefined();
    const err = await failure(
      c.send(
        new GetParametersByPathCommand({ Path: "/f", ParameterFilters: [{ Key: "Name", Values: ["x"] }] }),
      ),
    );
    expect(err.name).toBe("InvalidFilterKey");
  });

  it("returns only direct children unless Recursive", async () => {
    ssm.putParameter({ name: "/mlops/dcp/a", value: "1" });
    ssm.putParameter({ name: "/mlops/dcp/nested/b", value: "2" });
    ssm.putParameter({ name: "/mlops/dcp/nested/deeper/c", value: "3" });
    ssm.putParameter({ name: "/mlops/dcpx/sibling", value: "4" });
    const c = client();

    const flat = await c.send(new GetParametersByPathCommand({ Path: "/mlops/dcp" }));
    const deep = await c.send(new GetParametersByPathCommand({ Path: "/mlops/dcp/", Recursive: true }));

    expect(names(flat.Parameters)).toEqual(["/mlops/dcp/a"]);
    expect(names(deep.Parameters)).toEqual([
      "/mlops/dcp/a",
      "/mlops/dcp/nested/b",
      "/mlops/dcp/nested/deeper/c",
    ]);
  });

  it("rejects a token issued for another path with InvalidNextToken", async () => {
    seedTree("/one", 12);
    const c = client();
    const first = await c.send(new GetParametersByPathCommand({ Path: "/one" }));

    const foreign = await failure(
      c.send(new GetParametersByPathCommand({ Path: "/two", NextToken: first.NextToken })),
    );
    const garbage = await failure(c.send(new GetParametersByPathCommand({ Path: "/one", NextToken: "abc" })));

    expect(foreign).toBeInstanceOf(InvalidNextToken);
    expect(garbage.name).toBe("InvalidNextToken");
  });

  it("validates MaxResults and Path", async () => {
    const c = client();
    const tooMany = await failure(c.send(new GetParametersByPathCommand({ Path: "/a", MaxResults: 11 })));
    const relative = await failure(c.send(new GetParametersByPathCommand({ Path: "mlops/dcp" })));

    expect(tooMany.name).toBe("ValidationException");
    expect(tooMany.message).toContain(
      "at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10",
    );
    expect(relative.name).toBe("ValidationException");
    expect(relative.message).toContain('must begin with a forward slash "/"');
  });
});

describe("WithDecryption", () => {
  beforeEach(() => {
    ssm.putParameter({ name: "/s/token", value: "hunter2", type: "SecureString" });
    ssm.putParameter({ name: "/s/list", value: "a,b", type: "StringList" });
  });

  it("returns SecureString ciphertext unless WithDecryption, plain types always as stored", async () => {
    const c = client();
    const sealed = await c.send(new GetParametersByPathCommand({ Path: "/s" }));
    const opened = await c.send(
      new GetParametersCommand({ Names: ["/s/token", "/s/list"], WithDecryption: true }),
    );

    const sealedToken = sealed.Parameters?.find((p) => p.Name === "/s/token");
    expect(sealedToken?.Value).toBe(ssm.ciphertext("/s/token"));
    expect(sealedToken?.Value).toMatch(/^AQICAH/);
    expect(sealedToken?.Value).not.toContain("hunter2");
    expect(sealed.Parameters?.find((p) => p.Name === "/s/list")?.Value).toBe("a,b");
    expect(opened.Parameters?.map((p) => [p.Type, p.Value])).toEqual([
      ["SecureString", "hunter2"],
      ["StringList", "a,b"],
    ]);
  });

  it("decrypts on GetParameter only when asked", async () => {
    const c = client();
    const plain = await c.send(new GetParameterCommand({ Name: "/s/token", WithDecryption: true }));
    const sealed = await c.send(new GetParameterCommand({ Name: "/s/token" }));
    expect(plain.Parameter?.Value).toBe("hunter2");
    expect(sealed.Parameter?.Value).not.toBe("hunter2");
  });
});

describe("access denied", () => {
  beforeEach(() => {
    ssm.putParameter({ name: "/mlops/dcp/a", value: "1" });
    ssm.putParameter({ name: "/mlops/open", value: "2" });
    ssm.forbid("/mlops/dcp");
  });

  it("denies forbidden names and paths with AccessDeniedException and IAM's wording", async () => {
    const c = client({ attempts: 3 });
    const byPath = await failure(
      c.send(new GetParametersByPathCommand({ Path: "/mlops/dcp", Recursive: true })),
    );
    const byName = await failure(c.send(new GetParameterCommand({ Name: "/mlops/dcp/a" })));
    const inBatch = await failure(
      c.send(new GetParametersCommand({ Names: ["/mlops/open", "/mlops/dcp/a"] })),
    );

    expect(byPath).toBeInstanceOf(AccessDeniedException);
    expect(byPath.message).toBe(
      "User: arn:aws:sts::123456789012:assumed-role/jenkins/batchinf is not authorized to perform: ssm:GetParametersByPath on resource: arn:aws:ssm:ap-south-1:123456789012:parameter/mlops/dcp because no identity-based policy allows the ssm:GetParametersByPath action",
    );
    expect(byName.name).toBe("AccessDeniedException");
    expect(inBatch.name).toBe("AccessDeniedException");
    // Not retried: the SDK treats it as a client error, so 3 calls for 3 sends.
    expect(aws.calls.map((call) => call.errorCode)).toEqual(Array(3).fill("AccessDeniedException"));
  });

  it("leaves siblings readable", async () => {
    const out = await client().send(new GetParameterCommand({ Name: "/mlops/open" }));
    expect(out.Parameter?.Value).toBe("2");
  });
});

describe("fault injection", () => {
  beforeEach(() => {
    ssm.putParameter({ name: "/f/x", value: "ok" });
  });

  const get = (c: SSMClient) => c.send(new GetParameterCommand({ Name: "/f/x" }));

  it.each([
    ["throttle", 400, "ThrottlingException"],
    ["http500", 500, "InternalServerError"],
    ["http503", 503, "ServiceUnavailable"],
  ] as const)("the SDK retries %s and then succeeds", async (kind, status, code) => {
    aws.faults.add({ kind, operation: "GetParameter", count: 2 });

    const out = await get(client({ attempts: 3 }));

    expect(out.Parameter?.Value).toBe("ok");
    expect(out.$metadata.attempts).toBe(3);
    expect(aws.calls.map((c) => [c.outcome, c.errorCode])).toEqual([
      [status, code],
      [status, code],
      [200, undefined],
    ]);
  });

  it("the SDK retries a dropped connection", async () => {
    const rule = aws.faults.add({ kind: "drop", count: 1 });
    const out = await get(client({ attempts: 2 }));
    expect(out.Parameter?.Value).toBe("ok");
    expect(aws.calls.map((c) => c.outcome)).toEqual(["dropped", 200]);
    expect(rule.injected).toBe(1);
  });

  it("a dropped connection without retries surfaces as ECONNRESET", async () => {
    aws.faults.add({ kind: "drop" });
    const err = await failure(get(client()));
    expect(err.code).toBe("ECONNRESET");
    expect(err.$metadata).toMatchObject({ attempts: 1 });
  });

  it("gives up with ThrottlingException when every attempt is throttled", async () => {
    aws.faults.add({ kind: "throttle", service: "AmazonSSM" });
    const err = await failure(get(client({ attempts: 4 })));

    expect(err.name).toBe("ThrottlingException");
    expect(err.message).toBe("Rate exceeded");
    expect(err.$metadata).toMatchObject({ httpStatusCode: 400, attempts: 4 });
    expect(aws.callsTo("GetParameter")).toHaveLength(4);
  });

  it("does not retry an injected AccessDeniedException", async () => {
    aws.faults.add({ kind: "accessDenied", operation: /^GetParameter/ });
    const err = await failure(get(client({ attempts: 3 })));
    expect(err).toBeInstanceOf(AccessDeniedException);
    expect(aws.calls).toHaveLength(1);
  });

  it("composes 1-in-3 throttle, 1-in-5 500 and 1-in-10 drop deterministically", async () => {
    const throttle = aws.faults.add({ kind: "throttle", every: 3 });
    const http500 = aws.faults.add({ kind: "http500", every: 5 });
    const drop = aws.faults.add({ kind: "drop", every: 10 });
    const c = client();

    for (let i = 0; i < 30; i++) await get(c).catch(() => undefined);

    // A turn lost to an earlier rule moves to the next unclaimed call (11, 16, 22).
    const expected: Record<number, string> = { 3: "T", 5: "5", 6: "T", 9: "T", 10: "5", 11: "D", 12: "T" };
    Object.assign(expected, {
      15: "T",
      16: "5",
      18: "T",
      20: "5",
      21: "T",
      22: "D",
      24: "T",
      25: "5",
      27: "T",
      30: "T",
    });
    const symbol = { 400: "T", 500: "5", dropped: "D", 200: undefined } as Record<string, string | undefined>;
    const seen = Object.fromEntries(
      aws.calls.flatMap((call, i) =>
        symbol[String(call.outcome)] ? [[i + 1, symbol[String(call.outcome)]]] : [],
      ),
    );
    expect(seen).toEqual(expected);
    expect([throttle.injected, http500.injected, drop.injected]).toEqual([10, 5, 2]);
  });

  it("matches rules by operation and service, and clear() removes them", async () => {
    ssm.putParameter({ name: "/f/y", value: "y" });
    const other = aws.faults.add({ kind: "throttle", operation: "GetParametersByPath" });
    const elsewhere = aws.faults.add({ kind: "throttle", service: "AWSStepFunctions" });
    const c = client();

    await get(c);
    expect([other.matched, elsewhere.matched]).toEqual([0, 0]);
    aws.faults.clear();
    await c.send(new GetParametersByPathCommand({ Path: "/f" }));
    expect(other.injected).toBe(0);
  });

  it("delays answers by the latency given", async () => {
    aws.faults.add({ kind: "latency", ms: 150, count: 1 });
    const c = client();
    const started = performance.now();
    await get(c);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("latency beyond the SDK's requestTimeout is a TimeoutError, which the SDK retries", async () => {
    aws.faults.add({ kind: "latency", ms: 300, count: 1 });
    const out = await get(client({ attempts: 2, requestTimeout: 100 }));
    expect(out.Parameter?.Value).toBe("ok");
    expect(out.$metadata.attempts).toBe(2);
  });
});

describe("HTTP core", () => {
  it("answers unknown targets and bad JSON as AWS does, with type header and request id", async () => {
    const post = (target: string, body: string) =>
      fetch(aws.url, {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": target },
        body,
      });

    const unknownService = await post("AmazonNope.GetParameter", "{}");
    const unknownOp = await post("AmazonSSM.PutParameter", "{}");
    const badJson = await post("AmazonSSM.GetParameter", "{nope");

    expect(unknownService.status).toBe(400);
    expect(unknownService.headers.get("x-amzn-errortype")).toBe("UnknownOperationException");
    expect(unknownService.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect(unknownService.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await unknownOp.json()).toMatchObject({ __type: "UnknownOperationException" });
    expect(await badJson.json()).toMatchObject({ __type: "SerializationException" });
  });

  it("turns an unmodelled crash in a service into a retryable 500 InternalServerError", async () => {
    let calls = 0;
    const crashing = {
      targetPrefix: "AmazonSSM",
      jsonVersion: "1.1" as const,
      handle: () => {
        calls += 1;
        if (calls === 1) throw new TypeError("boom");
        if (calls === 2) throw new AwsFault("ParameterNotFound", "");
        return {};
      },
    };
    const local = await startFakeAws({ services: [crashing] });
    const c = new SSMClient({
      ...local.clientConfig(),
      retryStrategy: new ConfiguredRetryStrategy(3, () => 1),
    });
    try {
      const err = await failure(c.send(new GetParameterCommand({ Name: "/x" })));
      // An empty message is omitted on the wire, and the SDK fills in "UnknownError".
      expect(err.name).toBe("ParameterNotFound");
      expect(err.message).toBe("UnknownError");
      expect(local.calls.map((call) => [call.outcome, call.errorCode])).toEqual([
        [500, "InternalServerError"],
        [400, "ParameterNotFound"],
      ]);
    } finally {
      c.destroy();
      await local.close();
    }
  });

  it("records calls with input, outcome and the injected clock's time, and resets them", async () => {
    const local = await startFakeAws({ services: [ssm], clock: { now: () => 1_697_270_400_000 } });
    const c = new SSMClient({ ...local.clientConfig(), maxAttempts: 1 });
    try {
      await c.send(new GetParameterCommand({ Name: "/nope" })).catch(() => undefined);
      expect(local.calls).toEqual([
        {
          service: "AmazonSSM",
          operation: "GetParameter",
          input: { Name: "/nope" },
          outcome: 400,
          errorCode: "ParameterNotFound",
          at: 1_697_270_400_000,
        },
      ]);
      const held = local.calls;
      local.resetCalls();
      expect(held).toHaveLength(0);
    } finally {
      c.destroy();
      await local.close();
    }
  });

  it("closes promptly while a keep-alive connection and a delayed request are open", async () => {
    const agent = new Agent({ keepAlive: true });
    const local = await startFakeAws({ services: [ssm] });
    const c = new SSMClient({
      ...local.clientConfig(),
      maxAttempts: 1,
      requestHandler: { httpAgent: agent },
    });
    ssm.putParameter({ name: "/k", value: "v" });
    await c.send(new GetParameterCommand({ Name: "/k" }));
    local.faults.add({ kind: "latency", ms: 10_000 });
    const pending = c.send(new GetParameterCommand({ Name: "/k" })).catch((err: Error) => err);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = performance.now();
    await local.close();

    expect(performance.now() - started).toBeLessThan(500);
    expect(await pending).toBeInstanceOf(Error);
    c.destroy();
    agent.destroy();
  });
});

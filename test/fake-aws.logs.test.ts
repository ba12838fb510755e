import {
  CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogsService, type FakeAws, type LogsService, startFakeAws } from "./fake-aws/index.js";

const T0 = Date.UTC(2023, 9, 14, 6, 0, 0);
let now = T0;
const clock = { now: () => now };
let fake: FakeAws;
let logs: LogsService;
let client: CloudWatchLogsClient;

beforeAll(async () => {
  logs = createLogsService({ clock });
  fake = await startFakeAws({ services: [logs], clock });
  client = new CloudWatchLogsClient({ ...fake.clientConfig(), maxAttempts: 1 });
  logs.putLogEvents(
    "/g",
    "s",
    Array.from({ length: 10 }, (_, i) => ({ timestamp: T0 + i * 1000, message: `m${i}` })),
  );
});

afterAll(async () => {
  client?.destroy();
  await fake?.close();
});

beforeEach(() => {
  now = T0 + 60_000;
  logs.setPaging({});
});

const get = (input: Record<string, unknown>) =>
  client.send(new GetLogEventsCommand({ logGroupName: "/g", logStreamName: "s", ...input }));

describe("fake CloudWatch Logs: GetLogEvents paging", () => {
  it("forward: pages of `limit`, then the same token back at the end", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    for (;;) {
      const page = await get({ startFromHead: true, limit: 4, ...(token ? { nextToken: token } : {}) });
      seen.push(...(page.events ?? []).map((e) => e.message as string));
      expect(page.nextForwardToken).toMatch(/^f\//);
      expect(page.nextBackwardToken).toMatch(/^b\//);
      if (page.nextForwardToken === token) break;
      token = page.nextForwardToken;
    }
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
  });

  it("backward: the newest page first (in time order), then older, then the same token at the start", async () => {
    const first = await get({ limit: 4 });
    expect(first.events?.map((e) => e.message)).toEqual(["m6", "m7", "m8", "m9"]);
    const second = await get({ nextToken: first.nextBackwardToken, limit: 4 });
    expect(second.events?.map((e) => e.message)).toEqual(["m2", "m3", "m4", "m5"]);
    const third = await get({ nextToken: second.nextBackwardToken, limit: 4 });
    expect(third.events?.map((e) => e.message)).toEqual(["m0", "m1"]);
    const fourth = await get({ nextToken: third.nextBackwardToken, limit: 4 });
    expect(fourth.events).toEqual([]);
    expect(fourth.nextBackwardToken).toBe(third.nextBackwardToken);
  });

  it("empty pages while more remains carry a new token", async () => {
    logs.setPaging({ emptyPageEvery: 2 });
    const pages: number[] = [];
    let token: string | undefined;
    for (let i = 0; i < 20; i += 1) {
      const page = await get({ startFromHead: true, limit: 3, ...(token ? { nextToken: token } : {}) });
      pages.push(page.events?.length ?? 0);
      if (page.nextForwardToken === token) break;
      token = page.nextForwardToken;
    }
    expect(pages).toContain(0);
    expect(pages.reduce((a, b) => a + b, 0)).toBe(10);
    expect(pages.at(-1)).toBe(0);
  });

  it("lines arrive with the clock; a stream created later does not exist before", async () => {
    now = T0 + 2_500;
    const early = await get({ startFromHead: true });
    expect(early.events?.map((e) => e.message)).toEqual(["m0", "m1", "m2"]);
    now = T0 + 4_000;
    const later = await get({ startFromHead: true, nextToken: early.nextForwardToken });
    expect(later.events?.map((e) => e.message)).toEqual(["m3", "m4"]);
    logs.createLogStream("/g", "future", T0 + 100_000);
    await expect(get({ logStreamName: "future" })).rejects.toMatchObject({
      name: "ResourceNotFoundException",
      message: "The specified log stream does not exist.",
    });
    await expect(get({ logGroupName: "/nope" })).rejects.toMatchObject({
      message: "The specified log group does not exist.",
    });
  });

  it("limit beyond 10,000 is a validation error; a foreign token is invalid", async () => {
    await expect(get({ limit: 10_001 })).rejects.toMatchObject({ name: "ValidationException" });
    logs.putLogEvents("/g", "other", [{ timestamp: T0, message: "x" }]);
    const other = await get({ logStreamName: "other", startFromHead: true });
    await expect(get({ nextToken: other.nextForwardToken })).rejects.toMatchObject({
      name: "InvalidParameterException",
    });
  });

  it("AccessDeniedException per group, naming the action and the resource", async () => {
    logs.deny("/g", ["GetLogEvents"]);
    try {
      await expect(get({})).rejects.toMatchObject({
        name: "AccessDeniedException",
        message: expect.stringContaining(
          "logs:GetLogEvents on resource: arn:aws:logs:ap-south-1:123456789012:log-group:/g",
        ),
      });
      // Other operations on the group are still allowed.
      await client.send(new DescribeLogStreamsCommand({ logGroupName: "/g" }));
    } finally {
      logs.allow("/g");
    }
  });
});

describe("fake CloudWatch Logs: DescribeLogStreams and FilterLogEvents", () => {
  it("DescribeLogStreams filters by prefix and refuses a prefix with LastEventTime ordering", async () => {
    logs.putLogEvents("/v2", "jr_1", [{ timestamp: T0, message: "driver" }]);
    logs.putLogEvents("/v2", "jr_1_g-1", [{ timestamp: T0, message: "executor" }]);
    logs.putLogEvents("/v2", "jr_2", [{ timestamp: T0, message: "other run" }]);
    const out = await client.send(
      new DescribeLogStreamsCommand({ logGroupName: "/v2", logStreamNamePrefix: "jr_1" }),
    );
    expect(out.logStreams?.map((s) => s.logStreamName)).toEqual(["jr_1", "jr_1_g-1"]);
    await expect(
      client.send(
        new DescribeLogStreamsCommand({
          logGroupName: "/v2",
          logStreamNamePrefix: "jr_1",
          orderBy: "LastEventTime",
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterException" });
  });

  it("FilterLogEvents pages across streams with a prefix; no nextToken at the end", async () => {
    logs.setPaging({ emptyPageEvery: 3 });
    const seen: string[] = [];
    let token: string | undefined;
    let calls = 0;
    do {
      const page = await client.send(
        new FilterLogEventsCommand({
          logGroupName: "/g",
          logStreamNamePrefix: "s",
          limit: 2,
          nextToken: token,
        }),
      );
      seen.push(...(page.events ?? []).map((e) => `${e.logStreamName}:${e.message}`));
      token = page.nextToken;
      calls += 1;
    } while (token && calls < 50);
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `s:m${i}`));
    await expect(
      client.send(
        new FilterLogEventsCommand({ logGroupName: "/g", logStreamNames: ["s"], logStreamNamePrefix: "s" }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterException" });
  });
});

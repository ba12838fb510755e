import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SECRET_KEY, SSM_PATH, useFakeAws } from "./helpers/aws.js";
import { type CliResult, runInProcess } from "./helpers/cli.js";
import { SEED_DATE, seedSample, seedWorkspace } from "./helpers/seed.js";

/*
 * Every case runs the real CLI in-process against the local endpoint, with
 * the real SDK clients. No case spawns the binary: the bundled binary's live
 * SSM path (and the AWS half of the bundle) is smoke-tested by
 * run-process.test.ts, which spawns `run --ssm-path` under Jenkins' signals.
 */
const world = useFakeAws();
const renderLive = ["render", "--ssm-path", SSM_PATH, "--date", SEED_DATE];

beforeEach(() => {
  world.fake.faults.clear();
  world.fake.resetCalls();
  world.ssm.setPaging({});
});
afterEach(() => {
  vi.unstubAllEnvs();
});

/**
 * What a Jenkins agent's environment holds for AWS, aimed at the fake, with
 * `changes` applied (undefined removes a variable). As cleanEnv does for a
 * spawned binary: no config or credentials file, no instance metadata probe.
 */
function awsEnv(changes: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    ...world.fake.env({ region: "ap-south-1" }),
    AWS_CONFIG_FILE: "/nonexistent/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    ...changes,
  };
}

/**
 * `batchinf <args>` in-process in a seeded workspace (default: a fresh one),
 * with tfvars and repository named explicitly rather than found in the cwd.
 * The SDK reads credentials, region and AWS_MAX_ATTEMPTS from process.env,
 * so the environment is stubbed there too (every other AWS_* variable
 * removed) and restored after the test.
 *
 * The SDK's retries keep their attempts but pause 5 ms instead of its
 * wall-clock backoff; `sdkDefaultRetries` keeps the real default (adaptive
 * mode, its backoff and client-side rate limiting) for the case that covers it.
 */
async function render(
  args: string[],
  options: { workspace?: string; env?: Record<string, string | undefined>; sdkDefaultRetries?: boolean } = {},
): Promise<CliResult> {
  const dir = options.workspace ?? seedWorkspace();
  const env = awsEnv(options.env);
  for (const name of Object.keys(process.env)) if (name.startsWith("AWS_")) vi.stubEnv(name, undefined);
  const commandEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    vi.stubEnv(name, value);
    if (value !== undefined) commandEnv[name] = value;
  }
  return runInProcess([...args, "--tfvars", join(dir, "tfvars.json"), "--repo-dir", dir], {
    env: commandEnv,
    ...(options.sdkDefaultRetries ? {} : { aws: { retryStrategy: new ConfiguredRetryStrategy(6, () => 5) } }),
  });
}

/** Keys the seed's SSM does not hold: schema defaults, tfvars, the clock, the derived path. */
const NOT_IN_SSM = [
  "athena_pred_or_eval_table_name",
  "athenadb_debug_table_name",
  "athenadb_metadata_table_name",
  "year",
  "month",
  "day",
  "region",
  "use_case_name",
  "mapping_json_S3_path",
];

/** The seed's SSM parameter names under SSM_PATH, but for `except`. */
function seedParameterNames(...except: string[]): string[] {
  return Object.keys(seedSample())
    .filter((key) => !NOT_IN_SSM.includes(key) && !except.includes(key))
    .map((key) => `${SSM_PATH}${key}`);
}

/** --ssm-param for every seed parameter but `except`, so a test can supply that key from elsewhere. */
function namedSeedParams(except: string): string[] {
  return seedParameterNames(except).flatMap((name) => ["--ssm-param", name]);
}

describe("render reads Terraform's outputs from Parameter Store", () => {
  it("prints the seed's sample in ceil(n/10) GetParametersByPath calls and no per-parameter calls", async () => {
    const result = await render([...renderLive, "--show-secrets"]);
    expect(result.stderr).toMatch(
      /AWS Region ap-south-1, from --region|AWS Region ap-south-1, from the AWS configuration/,
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(seedSample());
    // 16 values + the JSON-valued config parameter = 17 parameters: 2 pages.
    expect(world.fake.callsTo("GetParametersByPath")).toHaveLength(Math.ceil(17 / 10));
    expect(world.fake.callsTo("GetParameter")).toHaveLength(0);
    expect(world.fake.callsTo("GetParameters")).toHaveLength(0);
    for (const call of world.fake.callsTo("GetParametersByPath")) {
      expect(call.input).toMatchObject({ Path: SSM_PATH, Recursive: true, WithDecryption: true });
    }
  });

  it("follows empty pages that still carry a NextToken to the last page", async () => {
    world.ssm.setPaging({ emptyPageEvery: 1 });
    const result = await render([...renderLive, "--show-secrets"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(seedSample());
    expect(world.fake.callsTo("GetParametersByPath").length).toBeGreaterThan(2);
  });

  it("masks the SecureString value everywhere unless --show-secrets, and warns it will be visible in the execution", async () => {
    const secret = seedSample()[SECRET_KEY] as string;
    const result = await render([...renderLive, "--explain"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)[SECRET_KEY]).toBe("****");
    expect(result.stdout + result.stderr).not.toContain(secret);
    expect(result.stderr).toMatch(
      new RegExp(
        `${SECRET_KEY} comes from a SecureString parameter.*visible in the execution's input and history`,
      ),
    );
    expect(result.stderr).toMatch(new RegExp(`${SECRET_KEY} +\\*\\*\\*\\* +<- SSM ${SSM_PATH}${SECRET_KEY}`));
    const json = await render([...renderLive, "--output", "json"]);
    expect(json.stdout).not.toContain(secret);
  });

  it("never prints a SecureString value that fails validation, and --show-secrets does show it", async () => {
    world.ssm.putParameter({
      name: "/mlops/secret-leak/dq_table",
      value: "Secret-Value-XYZ",
      type: "SecureString",
    });
    // dq_table comes only from the SecureString; every other Terraform value by name.
    const args = [
      "render",
      "--date",
      SEED_DATE,
      "--ssm-param",
      "/mlops/secret-leak/dq_table",
      ...namedSeedParams("dq_table"),
    ];
    const masked = await render(args);
    expect(masked.code).toBe(2);
    expect(masked.stderr).toMatch(/dq_table: "\*\*\*\*" is not allowed/);
    expect(masked.stdout + masked.stderr).not.toContain("Secret-Value-XYZ");
    const json = await render([...args, "--log-format", "json"]);
    expect(json.code).toBe(2);
    expect(json.stdout + json.stderr).not.toContain("Secret-Value-XYZ");
    const shown = await render([...renderLive, "--explain", "--show-secrets"]);
    expect(shown.stderr).toMatch(new RegExp(`${SECRET_KEY} +"aws_demo_batch_run"`));
  });

  it("--explain names the parameter behind each key, the control key and the unused keys", async () => {
    const result = await render([...renderLive, "--explain"]);
    expect(result.stderr).toMatch(/athenadb_name +"default" +<- SSM \/mlops\/dcp\/athenadb_name/);
    expect(result.stderr).toMatch(
      /control: state_machine_arn .* <- SSM \/mlops\/dcp\/pipeline\/config \(\.state_machine_arn\)/,
    );
    expect(result.stderr).toMatch(/not sent: glue_worker_type from SSM \/mlops\/dcp\/pipeline\/config/);
  });

  it("reads 23 named parameters in exactly 3 GetParameters calls", async () => {
    for (let i = 0; i < 7; i++) world.ssm.putParameter({ name: `/mlops/extra/unused_${i}`, value: `v${i}` });
    const names = seedParameterNames();
    const all = [...names, ...Array.from({ length: 7 }, (_, i) => `/mlops/extra/unused_${i}`)];
    expect(all).toHaveLength(23);
    const args = [
      "render",
      "--date",
      SEED_DATE,
      "--show-secrets",
      ...all.flatMap((name) => ["--ssm-param", name]),
    ];
    const result = await render(args);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(seedSample());
    expect(world.fake.callsTo("GetParameters")).toHaveLength(3);
    expect(world.fake.callsTo("GetParametersByPath")).toHaveLength(0);
  });
});

describe("parameter types", () => {
  it("passes a StringList through as Parameter Store's comma-separated string", async () => {
    world.ssm.putParameter({ name: "/mlops/lists/dq_table", value: "dq_a,dq_b", type: "StringList" });
    const result = await render([...renderLive, "--ssm-param", "/mlops/lists/dq_table", "--show-secrets"]);
    // Both sources give dq_table: the values differ, so batchinf refuses to guess.
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/dq_table: \/mlops\/dcp\/dq_table and \/mlops\/lists\/dq_table disagree/);
    const alone = await render([
      "render",
      "--date",
      SEED_DATE,
      "--ssm-param",
      "/mlops/lists/dq_table",
      "--explain",
    ]);
    expect(alone.stderr).toMatch(/dq_table +"dq_a,dq_b" +<- SSM \/mlops\/lists\/dq_table/);
  });
});

describe("faults: the SDK's retries absorb them; when they run out, exit 3", () => {
  it("1 call in 3 throttled and 1 in 5 answered 500: same output", async () => {
    // Empty pages between full ones: enough calls for both faults to land.
    world.ssm.setPaging({ emptyPageEvery: 1 });
    world.fake.faults.add({ kind: "throttle", every: 3 });
    world.fake.faults.add({ kind: "http500", every: 5 });
    const named = ["--ssm-param", `${SSM_PATH}athenadb_name`, "--ssm-param", `${SSM_PATH}dq_table`];
    const result = await render([...renderLive, ...named, "--show-secrets"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(seedSample());
    expect(world.fake.calls.some((call) => call.errorCode === "ThrottlingException")).toBe(true);
    expect(world.fake.calls.map((call) => call.outcome)).toContain(500);
  });

  it("every call throttled: exit 3 naming throttling and the operation, in bounded time", async () => {
    world.fake.faults.add({ kind: "throttle", every: 1 });
    const started = Date.now();
    const result = await render(renderLive, {
      env: { AWS_MAX_ATTEMPTS: "3" },
      // The one case on the SDK's real default: adaptive mode, its own backoff, AWS_MAX_ATTEMPTS read.
      sdkDefaultRetries: true,
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /AWS kept throttling ssm:GetParametersByPath on \/mlops\/dcp\/ in ap-south-1 after 3 attempts \(ThrottlingException\)/,
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(world.fake.callsTo("GetParametersByPath")).toHaveLength(3);
  });
});

describe("errors: one clear message, the right exit code, no stack trace", () => {
  const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);

  it("missing names are all listed at once, with region and account (exit 3)", async () => {
    const result = await render([
      "render",
      "--date",
      SEED_DATE,
      "--ssm-param",
      `${SSM_PATH}athenadb_name`,
      "--ssm-param",
      "/nope/one",
      "--ssm-param",
      "/nope/two",
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /2 SSM parameters not found in ap-south-1 \(account 731580992380\): \/nope\/one, \/nope\/two/,
    );
    noStack(result.stderr);
  });

  it("access denied is told apart from not found (exit 3)", async () => {
    world.ssm.forbid("/mlops/secret");
    const result = await render(["render", "--date", SEED_DATE, "--ssm-path", "/mlops/secret/"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /Access denied to ssm:GetParametersByPath on \/mlops\/secret\/ in ap-south-1 \(AccessDeniedException: .*not authorized/,
    );
    noStack(result.stderr);
  });

  it("a path with nothing under it names the path and the region (exit 3)", async () => {
    const result = await render(["render", "--date", SEED_DATE, "--ssm-path", "/mlops/typo/"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /No SSM parameters under \/mlops\/typo\/ in ap-south-1; check --ssm-path and the region/,
    );
  });

  it("a malformed parameter name is refused before any call (exit 2)", async () => {
    const result = await render(["render", "--date", SEED_DATE, "--ssm-param", "bad name!"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--ssm-param 'bad name!' is not a valid SSM parameter name/);
    expect(world.fake.calls).toHaveLength(0);
  });

  it("no credentials anywhere (exit 3)", async () => {
    const result = await render(renderLive, {
      env: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/No AWS credentials found/);
    expect(world.fake.calls).toHaveLength(0);
    noStack(result.stderr);
  });

  it("no region anywhere (exit 3)", async () => {
    const result = await render(renderLive, {
      workspace: seedWorkspace({ tfvars: { use_case_name: "DCP" } }),
      env: { AWS_REGION: undefined },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/No AWS Region: pass --region, set AWS_REGION/);
  });

  it("falls back to tfvars' region and says so", async () => {
    const result = await render([...renderLive, "--show-secrets"], { env: { AWS_REGION: undefined } });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/AWS Region ap-south-1, from tfvars\.json/);
  });

  it("a malformed --region is a usage error before any call (exit 2; the SDK made it exit 3)", async () => {
    const result = await render([...renderLive, "--region", "https://x/"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--region='https:\/\/x\/' is not an AWS Region code/);
    expect(world.fake.calls).toHaveLength(0);
    noStack(result.stderr);
    const fromVariable = await render(renderLive, { env: { BATCHINF_REGION: "ap south 1" } });
    expect(fromVariable.code).toBe(2);
    expect(fromVariable.stderr).toMatch(
      /BATCHINF_REGION \(--region\)='ap south 1' is not an AWS Region code/,
    );
  });

  it("a malformed region from the AWS configuration is named with its source (exit 3)", async () => {
    const result = await render(renderLive, { env: { AWS_REGION: "https://x/" } });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/The AWS configuration's region 'https:\/\/x\/' \(AWS_REGION/);
    expect(world.fake.calls).toHaveLength(0);
  });

  it("a profile that does not exist is named, with the files looked in (it was 'No AWS credentials found')", async () => {
    const result = await render(renderLive, { env: { AWS_PROFILE: "nightly-batch" } });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      "AWS profile 'nightly-batch' (AWS_PROFILE) is not in /nonexistent/aws-config or /nonexistent/aws-credentials",
    );
    expect(result.stderr).not.toMatch(/No AWS credentials found/);
    expect(world.fake.calls).toHaveLength(0);
    const flag = await render([...renderLive, "--profile", "nightly-batch"]);
    expect(flag.stderr).toContain("AWS profile 'nightly-batch' (--profile) is not in");
  });

  it("a profile that exists is used as before", async () => {
    const dir = seedWorkspace();
    const config = join(dir, "aws-config");
    writeFileSync(config, "[profile nightly-batch]\nregion = ap-south-1\n");
    const credentials = join(dir, "aws-credentials");
    writeFileSync(credentials, "[nightly-batch]\naws_access_key_id = x\naws_secret_access_key = y\n");
    const result = await render(renderLive, {
      workspace: dir,
      env: {
        AWS_PROFILE: "nightly-batch",
        AWS_CONFIG_FILE: config,
        AWS_SHARED_CREDENTIALS_FILE: credentials,
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_REGION: undefined,
      },
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/AWS Region ap-south-1, from the AWS configuration/);
  });
});

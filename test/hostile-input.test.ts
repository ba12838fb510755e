/**
 * One case per class of hostile or careless input from issue 8. Each case
 * failed on v1 (commit 0dcd37e): the comment after each name says how.
 * In-process runs, except where only a real process shows the behaviour
 * (EPIPE, no command's exit code through cli.ts).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { validateCommand } from "../src/commands/validate.js";
import { parseDuration } from "../src/duration.js";
import { SSM_PATH, useFakeAws } from "./helpers/aws.js";
import { captureContext } from "./helpers/capture.js";
import { type CliResult, runInProcess } from "./helpers/cli.js";
import { leaks } from "./helpers/leaks.js";
import { BIN, SEED_DATE, seedSample, seedSsm, seedWorkspace } from "./helpers/seed.js";

const world = useFakeAws();
beforeEach(() => {
  world.fake.faults.clear();
  // The SDK's credential chain reads process.env, not the command's env.
  for (const [name, value] of Object.entries(world.fake.env({ region: "ap-south-1" })))
    vi.stubEnv(name, value);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const SEED_PAYLOAD = `${JSON.stringify(seedSample(), null, 2)}\n`;
/** render --dry-run in a workspace: its tfvars.json, ssm.json and git origin. */
function offline(dir: string, ...extra: string[]): string[] {
  return [
    "render",
    "--dry-run",
    "--date",
    SEED_DATE,
    "--repo-dir",
    dir,
    "--tfvars",
    join(dir, "tfvars.json"),
    "--ssm-file",
    join(dir, "ssm.json"),
    ...extra,
  ];
}

function scratch(): string {
  return mkdtempSync(join(process.env.BATCHINF_TEST_SCRATCH ?? tmpdir(), "batchinf-hostile-"));
}

/** Every SSM parameter of the seed by name, but `except`: that key then comes only from the test's parameter. */
function seedParamsExcept(except: string): string[] {
  const fromSsm = Object.keys(seedSsm()).filter((key) => key !== "state_machine_arn" && key !== except);
  return fromSsm.flatMap((key) => ["--ssm-param", `${SSM_PATH}${key}`]);
}

let parameter = 0;
/** render with `key` from a SecureString holding `value`, via the live SSM fake. */
async function renderWithSecureString(key: string, value: string, extra: string[] = []): Promise<CliResult> {
  const name = `/hostile/${++parameter}/${key}`;
  world.ssm.putParameter({ name, value, type: "SecureString" });
  const dir = seedWorkspace();
  const args = ["render", "--date", SEED_DATE, "--repo-dir", dir, "--tfvars", join(dir, "tfvars.json")];
  return runInProcess([...args, "--ssm-param", name, ...seedParamsExcept(key), ...extra], {
    env: world.fake.env({ region: "ap-south-1" }),
  });
}

function lines(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}

describe("secrets never reach any output", () => {
  it('a SecureString with " and \\ in validation errors and JSON log lines (v1: its JSON-escaped form printed)', async () => {
    const secret = 'Bad"Value\\Here';
    for (const format of ["text", "json"]) {
      const result = await renderWithSecureString("dq_table", secret, ["--log-format", format, "--explain"]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/dq_table: \\?"\*\*\*\*\\?" is not allowed/);
      expect(leaks(result.stdout + result.stderr, secret)).toEqual([]);
      if (format === "json")
        for (const line of lines(result.stderr)) expect(() => JSON.parse(line)).not.toThrow();
    }
  });

  it("a 3-character SecureString in a validation error (v1: printed, too short to mask)", async () => {
    const result = await renderWithSecureString("dq_table", "A-B");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/dq_table: "\*\*\*\*" is not allowed/);
    expect(result.stdout + result.stderr).not.toContain('"A-B"');
  });

  it.each([
    ["--set", (url: string) => ({ args: ["--set", `repository=${url}`] })],
    [
      "tfvars",
      (url: string) => ({ tfvars: { region: "ap-south-1", use_case_name: "DCP", repository: url } }),
    ],
  ])(
    "a token in repository from %s, in override and error lines (v1: printed whole)",
    async (_source, build) => {
      const token = "ghp_hostileToken42";
      const setup = build(`https://x-access-token:${token}@github.com/org/x.git`) as {
        args?: string[];
        tfvars?: unknown;
      };
      // With no git origin, the tfvars value is the one in force.
      const dir = seedWorkspace(setup.tfvars ? { tfvars: setup.tfvars, origin: null } : {});
      const result = await runInProcess(offline(dir, ...(setup.args ?? [])));
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/repository: "https:\/\/github\.com\/org\/x\.git" is not allowed/);
      if (setup.args)
        expect(result.stderr).toMatch(
          /repository: "https:\/\/github\.com\/org\/x\.git" from --set overrides/,
        );
      expect(leaks(result.stdout + result.stderr, token)).toEqual([]);
    },
  );

  it.each([
    ["a query string", "https://github.com/org/x.git?access_token=ghp_queryToken99", "ghp_queryToken99"],
    ["after an @ inside a password", "https://user:pa@ss@github.com/org/x.git", "pa@ss"],
  ])("a token in %s of the git origin (v1: survived the clean-up)", async (_where, origin, token) => {
    const dir = seedWorkspace({ origin });
    const result = await runInProcess(offline(dir, "--verbose", "--explain"));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).repository).toBe("github/org/x.git");
    expect(result.stderr).toMatch(/debug: repository from git origin/);
    expect(leaks(result.stdout + result.stderr, token)).toEqual([]);
  });
});

describe("one record, one line", () => {
  it.each([
    ["a newline", "x\nerror: forged"],
    ["an escape sequence", "x\u001b[31mred"],
  ])("a key holding %s cannot forge a log line or colour the log (v1: raw in stderr)", async (_what, key) => {
    const dir = seedWorkspace();
    writeFileSync(join(dir, "ssm.json"), JSON.stringify({ ...seedSsm(), [key]: "v" }));
    const result = await runInProcess(offline(dir, "--explain"));
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/^error: forged/m);
    expect(result.stderr).not.toContain("\u001b");
    expect(result.stderr).toContain(JSON.stringify(key).slice(1, -1));
  });

  it("validate cannot print a forged FILE:LINE:COL line (v1: a key with a newline did)", async () => {
    const dir = scratch();
    const payload = { ...seedSample(), "x\nforged.json:1:1 region: evil [pattern]": "v" };
    writeFileSync(join(dir, "p.json"), JSON.stringify(payload, null, 2));
    const { stdout, code } = await validate(["p.json"], "text", dir);
    expect(code).toBe(2);
    expect(lines(stdout)).toHaveLength(1);
    expect(stdout).not.toMatch(/^forged\.json/m);
  });

  it("a 5 MB value is quoted once and cut to 200 characters (v1: printed twice, whole)", async () => {
    const huge = "a".repeat(5_000_000);
    const result = await runInProcess(offline(seedWorkspace(), "--set", `dq_table=${huge}`));
    expect(result.code).toBe(2);
    expect(result.stderr.length).toBeLessThan(4_000);
    expect(result.stderr).toContain("(5000000 characters; the first 200 shown)");
  });
});

describe("limits on input", () => {
  it("validate: a 10 MB string and 3,000-level nesting are problems of their files; the others are still checked, JUnit complete (v1: stack overflow, exit 3, empty report)", async () => {
    const dir = scratch();
    writeFileSync(join(dir, "a-long.json"), SEED_PAYLOAD.replace('"DCP"', `"${"D".repeat(10_000_000)}"`));
    writeFileSync(join(dir, "b-deep.json"), `${"[".repeat(3000)}${"]".repeat(3000)}`);
    writeFileSync(join(dir, "c-good.json"), SEED_PAYLOAD);
    writeFileSync(join(dir, "d-utf16.json"), Buffer.from(`\ufeff${SEED_PAYLOAD}`, "utf16le"));
    writeFileSync(join(dir, "e-big.json"), Buffer.alloc(11 * 1024 * 1024, 0x20));
    const { code, stdout } = await validate(["*.json"], "junit", dir);
    expect(code).toBe(2);
    expect(XMLValidator.validate(stdout)).toBe(true);
    const cases = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: "",
      isArray: () => true,
    }).parse(stdout).testsuites[0].testsuite[0].testcase as Array<{
      name: string;
      failure?: Array<{ "#text": string }>;
    }>;
    const byName = Object.fromEntries(cases.map((c) => [c.name, c.failure?.[0]?.["#text"] ?? "ok"]));
    expect(byName).toEqual({
      "a-long.json": expect.stringMatching(/use_case_name: "D{200}…" \(10000000 characters.*\[maxLength\]/),
      "b-deep.json": expect.stringMatching(
        /^b-deep\.json input: arrays or objects nest deeper than 100 levels/,
      ),
      "c-good.json": "ok",
      "d-utf16.json": expect.stringMatching(/UTF-16.*\[utf16\]/),
      "e-big.json": expect.stringMatching(/limited to 10 MiB.*\[too-large\]/),
    });
  });

  it("a FIFO with no writer as --tfvars is refused at once (v1: hung)", async () => {
    const dir = seedWorkspace();
    const fifo = join(dir, "fifo.json");
    execFileSync("mkfifo", [fifo]);
    const started = performance.now();
    const result = await runInProcess(offline(dir, "--tfvars", fifo));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /Cannot read --tfvars .*fifo\.json: it is a named pipe \(FIFO\) with no writer/,
    );
    expect(performance.now() - started).toBeLessThan(2_000);
  }, 5_000);

  it.each([
    ["a directory", (dir: string) => dir, /it is a directory/],
    ["UTF-16", (dir: string) => file(dir, Buffer.from('\ufeff{"region":"x"}', "utf16le")), /UTF-16/],
    [
      "nested deeper than 100",
      (dir: string) => file(dir, `{"a":${"[".repeat(200)}${"]".repeat(200)}}`),
      // What to do, not "Pass --tfvars FILE." (review): the file was given; it is the wrong one.
      /deeper than 100 levels; --tfvars must hold a JSON object of Terraform variables: check it names the right file\.$/m,
    ],
    ["a device", () => "/dev/zero", /it is a device/],
  ])(
    "--tfvars naming %s is refused with the reason (v1: read or parsed anyway)",
    async (_what, make, message) => {
      const dir = seedWorkspace();
      const result = await runInProcess(offline(dir, "--tfvars", make(dir)));
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    },
  );

  it.each(["tfvars", "ssm-file"])(
    "duplicate keys in --%s are an error, as validate reports them (v1: last wins)",
    async (which) => {
      const dir = seedWorkspace();
      const target = join(dir, which === "tfvars" ? "tfvars.json" : "ssm.json");
      const body =
        which === "tfvars"
          ? '{\n  "region": "ap-south-1",\n  "use_case_name": "DCP",\n  "region": "eu-west-1"\n}\n'
          : `${JSON.stringify(seedSsm(), null, 2).replace(/\n}$/, ',\n  "dq_table": "other"\n}')}`;
      writeFileSync(target, body);
      const result = await runInProcess(offline(dir));
      expect(result.code).toBe(2);
      const key = which === "tfvars" ? "region" : "dq_table";
      expect(result.stderr).toMatch(
        new RegExp(
          `\\.json:\\d+:3 ${key}: duplicate key '${key}' \\(first at \\d+:3\\); JSON.parse would silently keep the last value \\[duplicate-key\\]`,
        ),
      );
    },
  );

  it("durations: 1m1m is an error, 721h is longer than 30 days (v1: 2m, and an overflowing timer)", () => {
    expect(() => parseDuration("1m1m", "--timeout")).toThrow(/unit 'm' twice/);
    expect(() => parseDuration("721h", "--timeout")).toThrow(/longer than 30 days/);
  });

  it("validate '' is a usage error (v1: validated every JSON file under the working directory)", async () => {
    const dir = scratch();
    writeFileSync(join(dir, "x.json"), SEED_PAYLOAD);
    await expect(validate([""], "text", dir)).rejects.toThrow(/empty file name or glob/);
    const result = await runInProcess(["validate", ""]);
    expect(result.code).toBe(2);
  });

  it("messages name the variable a value came from (v1: always the flag)", async () => {
    const dir = seedWorkspace();
    const args = offline(dir).filter((arg) => arg !== "--date" && arg !== SEED_DATE);
    const result = await runInProcess(args, { env: { BATCHINF_DATE: "yesterday" } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("BATCHINF_DATE='yesterday' is not a date in the form YYYY-MM-DD");
  });
});

describe("streams and exit codes (real processes)", () => {
  it("`batchinf schema` into a closed pipe ends quietly, exit 0 (v1: EPIPE stack trace, exit 1)", async () => {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, "schema"], { stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.destroy(); // the reader is gone before the first byte
      let stderr = "";
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      child.on("close", (code) => resolve({ code, stderr }));
    });
    expect(result).toEqual({ code: 0, stderr: "" });
  });

  it("`batchinf` with no command is a usage error, exit 2 (v1: exit 0)", async () => {
    const result = await runInProcess([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Usage: batchinf/);
  });
});

function file(dir: string, content: string | Buffer): string {
  const path = join(dir, `f-${Math.random().toString(36).slice(2)}.json`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, content);
  return path;
}

async function validate(patterns: string[], format: "text" | "json" | "junit", cwd: string) {
  const captured = captureContext();
  const code = await validateCommand(patterns, { format, cwd }, captured.ctx);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

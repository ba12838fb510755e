import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, runInProcess } from "./helpers/cli.js";
import { SEED_DATE, seedSample, seedWorkspace } from "./helpers/seed.js";

const TOKEN = "ghp_S3cretT0kenValue";
/** Start of an ANSI colour sequence. */
const ESC = "\u001b[";
const render = ["render", "--dry-run", "--ssm-file", "ssm.json", "--date", SEED_DATE];

function expectCleanFailure(result: { code: number | null; stderr: string }, code: number, message: RegExp) {
  expect(result.code).toBe(code);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
}

/** `text` as a regular expression that matches it literally (a workspace path in a message). */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * `render --dry-run --date SEED_DATE <args>` in-process in the workspace `cwd`,
 * its tfvars, SSM snapshot and repository named explicitly rather than found
 * in the working directory (so messages name them by these absolute paths).
 */
function dryRun(
  cwd: string,
  args: string[],
  options: { ssmFile?: string; date?: string; env?: Record<string, string> } = {},
) {
  return runInProcess(
    [
      "render",
      "--dry-run",
      "--date",
      options.date ?? SEED_DATE,
      "--tfvars",
      join(cwd, "tfvars.json"),
      "--ssm-file",
      options.ssmFile ?? join(cwd, "ssm.json"),
      "--repo-dir",
      cwd,
      ...args,
    ],
    options.env ? { env: options.env } : {},
  );
}

/** render --dry-run --output json in-process, in a fresh seed workspace that `setup` may change. */
async function renderWith(args: string[], setup?: (cwd: string) => void) {
  const cwd = seedWorkspace();
  setup?.(cwd);
  return runInProcess([
    "render",
    "--dry-run",
    "--date",
    SEED_DATE,
    "--tfvars",
    join(cwd, "tfvars.json"),
    "--ssm-file",
    join(cwd, "ssm.json"),
    "--repo-dir",
    cwd,
    "--output",
    "json",
    ...args,
  ]);
}

describe("render --dry-run (the built binary, as a new user runs it)", () => {
  // The two cases here spawn dist/batchinf.cjs on purpose: the first is the
  // new user's command line, files found in the working directory; the second
  // is about what the bundle loads. Everything else runs in-process.
  it("prints exactly the seed's 25-key sample and never the token in the origin URL", async () => {
    const cwd = seedWorkspace({
      origin: `https://someone:${TOKEN}@github.com/maruti-modelops/quality-mlops-defect-corelation-and-prediction.git`,
    });
    const result = await runCli([...render, "--explain", "--verbose"], { cwd });
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed).toEqual(seedSample());
    expect(Object.keys(printed)).toEqual(Object.keys(seedSample()));
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(result.stdout + result.stderr).not.toContain("someone");
  });

  it("does not need, or load, the AWS half of the bundle", async () => {
    // A copy of dist without batchinf-aws.mjs: if render --dry-run loaded it, this would fail.
    const dist = mkdtempSync(join(process.env.BATCHINF_TEST_SCRATCH ?? tmpdir(), "batchinf-dist-"));
    const { cpSync } = await import("node:fs");
    cpSync(join(__dirname, "..", "dist", "batchinf.cjs"), join(dist, "batchinf.cjs"));
    const cwd = seedWorkspace();
    const { spawnSync } = await import("node:child_process");
    const child = spawnSync(process.execPath, [join(dist, "batchinf.cjs"), ...render], {
      cwd,
      encoding: "utf8",
    });
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual(seedSample());
  });

  it("--output json gives input, provenance and warnings", async () => {
    const result = await renderWith([]);
    expect(result.code).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document.input).toEqual(seedSample());
    expect(document.provenance.region).toMatchObject({ value: "ap-south-1", source: "tfvars" });
    expect(document.provenance.year).toMatchObject({ value: "2023", source: "clock", origin: "--date" });
    expect(document.provenance.mapping_json_S3_path.source).toBe("derived");
    expect(document.provenance.dq_table).toMatchObject({
      source: "ssm",
      overrode: [{ source: "default", value: "dqresults" }],
    });
    expect(document.warnings).toEqual([]);
  });
});

describe("precedence: default < SSM < tfvars < dynamic < --set", () => {
  it("tfvars overrides SSM and the log names both values and sources", async () => {
    const result = await renderWith([], (cwd) =>
      writeFileSync(
        join(cwd, "tfvars.json"),
        JSON.stringify({ region: "ap-south-1", use_case_name: "DCP", dq_table: "dq_from_tfvars" }),
      ),
    );
    expect(JSON.parse(result.stdout).input.dq_table).toBe("dq_from_tfvars");
    expect(result.stderr).toMatch(
      /dq_table: "dq_from_tfvars" from .*tfvars\.json overrides "dqresults" from SSM .*ssm\.json#dq_table/,
    );
  });

  it("--set beats everything, and moving the internal bucket moves the derived mapping path", async () => {
    const result = await renderWith([
      "--set",
      "s3_bucket_name_internal=other-internal",
      "--set",
      "dq_table=from_set",
    ]);
    const input = JSON.parse(result.stdout).input;
    expect(input.dq_table).toBe("from_set");
    expect(input.mapping_json_S3_path).toBe("s3://other-internal/mapping_json/mapping_json.json");
    expect(result.stderr).toMatch(
      /s3_bucket_name_internal: "other-internal" from --set overrides "msil-poc-apsouth1-internal"/,
    );
  });

  it("an explicit --set of the mapping path wins over the derived one (and is checked)", async () => {
    const result = await renderWith([
      "--set",
      "mapping_json_S3_path=s3://msil-poc-apsouth1-internal/m/other.json",
    ]);
    expect(JSON.parse(result.stdout).input.mapping_json_S3_path).toBe(
      "s3://msil-poc-apsouth1-internal/m/other.json",
    );
  });

  it("$GIT_URL stands in for the origin when there is no repo, and beats SSM's repository", async () => {
    const noRepo = seedWorkspace({ origin: null });
    const result = await runInProcess(
      [
        "render",
        "--dry-run",
        "--date",
        SEED_DATE,
        "--tfvars",
        join(noRepo, "tfvars.json"),
        "--ssm-file",
        join(noRepo, "ssm.json"),
        "--repo-dir",
        noRepo,
      ],
      { env: { GIT_URL: "git@github.com:acme/other-repo.git" } },
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).repository).toBe("github/acme/other-repo.git");
  });

  it("BATCHINF_* variables stand in for flags, and a flag beats its variable", async () => {
    const cwd = seedWorkspace();
    const base = [
      "render",
      "--dry-run",
      "--tfvars",
      join(cwd, "tfvars.json"),
      "--ssm-file",
      join(cwd, "ssm.json"),
      "--repo-dir",
      cwd,
    ];
    const fromEnv = await runInProcess(base, { env: { BATCHINF_DATE: "2024-01-02" } });
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({ year: "2024", month: "01", day: "02" });
    const flagWins = await runInProcess([...base, "--date", "2024-03-04"], {
      env: { BATCHINF_DATE: "2024-01-02" },
    });
    expect(JSON.parse(flagWins.stdout)).toMatchObject({ month: "03", day: "04" });
  });
});

describe("bad input: one clear message, exit 2, no stack trace", () => {
  it("malformed tfvars.json, with line:col", async () => {
    const cwd = seedWorkspace();
    writeFileSync(join(cwd, "tfvars.json"), '{\n  "region": "ap-south-1",\n  "use_case_name": "DCP",\n}\n');
    const result = await dryRun(cwd, []);
    const tfvars = literal(join(cwd, "tfvars.json"));
    expectCleanFailure(result, 2, new RegExp(`error: ${tfvars}:4:1: invalid JSON: unexpected '}'`));
  });

  it("a missing required key, saying which sources could supply it", async () => {
    const cwd = seedWorkspace();
    writeFileSync(join(cwd, "ssm.json"), JSON.stringify({ athenadb_name: "default" }));
    const result = await dryRun(cwd, []);
    expectCleanFailure(result, 2, /The input is missing 13 keys: .*train_statetable_name/);
    const [ssm, tfvars] = [literal(join(cwd, "ssm.json")), literal(join(cwd, "tfvars.json"))];
    expect(result.stderr).toMatch(
      new RegExp(
        `train_statetable_name: expected from SSM: add it to --ssm-file ${ssm}; or set it in ${tfvars}`,
      ),
    );
  });

  it("--date 2023-02-30", async () => {
    const result = await dryRun(seedWorkspace(), [], { date: "2023-02-30" });
    expectCleanFailure(
      result,
      2,
      /--date='2023-02-30' is not a real calendar date \(February 2023 has no day 30\)/,
    );
  });

  it("--set of an unknown key suggests the nearest", async () => {
    const result = await dryRun(seedWorkspace(), ["--set", "dq_tabel=x"]);
    expectCleanFailure(
      result,
      2,
      /--set dq_tabel: 'dq_tabel' is not an input key; did you mean 'dq_table'\?/,
    );
  });

  it("a directory that is not a git repo, with no $GIT_URL and no other source of repository", async () => {
    const cwd = seedWorkspace({ origin: null });
    const { repository: _fromSsm, ...ssm } = JSON.parse(readFileSync(join(cwd, "ssm.json"), "utf8"));
    writeFileSync(join(cwd, "ssm.json"), JSON.stringify(ssm));
    const result = await dryRun(cwd, []);
    expectCleanFailure(result, 2, /missing 1 key: repository/);
    expect(result.stderr).toMatch(/is not a git repository; \$GIT_URL is not set/);
  });

  it("an unreadable --ssm-file", async () => {
    const cwd = seedWorkspace();
    const nope = join(cwd, "nope.json");
    const result = await dryRun(cwd, [], { ssmFile: nope });
    expectCleanFailure(result, 2, new RegExp(`Cannot read --ssm-file ${literal(nope)}: no such file`));
    if (process.getuid?.() !== 0) {
      chmodSync(join(cwd, "ssm.json"), 0o000);
      expectCleanFailure(await dryRun(cwd, []), 2, /permission denied/);
    }
  });

  it("a --timezone that does not exist", async () => {
    const result = await dryRun(seedWorkspace(), ["--timezone", "Europe/Atlantis"]);
    expectCleanFailure(result, 2, /--timezone='Europe\/Atlantis' is not an IANA time zone/);
  });

  it("an invalid composed value names the key, the value, the rule and where it came from", async () => {
    const result = await dryRun(seedWorkspace(), [
      "--set",
      "aws_batch_job_queue=arn:aws:batch:us-east-1:731580992380:job-queue/q",
    ]);
    expectCleanFailure(
      result,
      2,
      /aws_batch_job_queue "arn:aws:batch:us-east-1:731580992380:job-queue\/q": is in region us-east-1 but the input's region is ap-south-1.*\(from --set\)/,
    );
    expect(result.stdout).toBe("");
  });

  it("an unknown option is a usage error (exit 2)", async () => {
    const result = await runInProcess(["render", "--no-such-flag"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option '--no-such-flag'/);
  });

  it("a local-path origin falls back to $GIT_URL without crashing", async () => {
    const cwd = seedWorkspace({ origin: "/srv/git/local-mirror.git" });
    const { repository: _fromSsm, ...ssm } = JSON.parse(readFileSync(join(cwd, "ssm.json"), "utf8"));
    writeFileSync(join(cwd, "ssm.json"), JSON.stringify(ssm));
    const bad = await dryRun(cwd, []);
    expectCleanFailure(
      bad,
      2,
      new RegExp(
        `git origin of ${literal(cwd)} \\(\\/srv\\/git\\/local-mirror\\.git\\) is unusable: it is a local path`,
      ),
    );
    const good = await dryRun(cwd, [], { env: { GIT_URL: "https://github.com/acme/x.git" } });
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout).repository).toBe("github/acme/x.git");
  });
});

describe("--log-format json", () => {
  it("writes every log line, the final error included, as one JSON object", async () => {
    const result = await dryRun(seedWorkspace(), ["--set", "dq_table=XX", "--log-format", "json"]);
    expect(result.code).toBe(2);
    const records = result.stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(records.at(-1)).toMatchObject({
      level: "error",
      exitCode: 2,
      details: [expect.stringMatching(/^dq_table: "XX"/)],
    });
    expect(
      records.every((record) => typeof record.time === "string" && typeof record.message === "string"),
    ).toBe(true);
  });
});

describe("schema and help", () => {
  it("schema prints the JSON Schema", async () => {
    const result = await runInProcess(["schema"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).$schema).toBe("https://json-schema.org/draft/2020-12/schema");
  });

  it("--help lists each option's BATCHINF_* variable", async () => {
    const result = await runInProcess(["render", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--ssm-path <prefix>/);
    expect(result.stdout).toMatch(/\[env:\s+BATCHINF_SSM_PATH\]/);
  });

  it("NO_COLOR and non-TTY stderr give plain text; FORCE_COLOR colours it", async () => {
    const cwd = seedWorkspace();
    const plain = await dryRun(cwd, ["--set", "dq_table=x"]);
    expect(plain.stderr).not.toContain(ESC);
    const forced = await dryRun(cwd, ["--set", "dq_table=bad-name"], { env: { FORCE_COLOR: "1" } });
    expect(forced.stderr).toContain(ESC);
    const both = await dryRun(cwd, ["--set", "dq_table=bad-name"], {
      env: { FORCE_COLOR: "1", NO_COLOR: "1" },
    });
    expect(both.stderr).not.toContain(ESC);
  });

  it("a terminal colours the log unless it says TERM=dumb; FORCE_COLOR still wins there", async () => {
    const cwd = seedWorkspace();
    const args = [...render, "--set", "dq_table=bad-name", "--tfvars", join(cwd, "tfvars.json")];
    const onTty = (env: Record<string, string>) =>
      runInProcess([...args, "--ssm-file", join(cwd, "ssm.json"), "--repo-dir", cwd], {
        env,
        stderrIsTTY: true,
      });
    expect((await onTty({ TERM: "xterm-256color" })).stderr).toContain(ESC);
    expect((await onTty({ TERM: "dumb" })).stderr).not.toContain(ESC);
    expect((await onTty({ TERM: "dumb", FORCE_COLOR: "1" })).stderr).toContain(ESC);
    expect((await onTty({ TERM: "xterm", NO_COLOR: "1" })).stderr).not.toContain(ESC);
  });
});

describe("--repo-dir", () => {
  it("a file, not a directory, is said to be one (simple-git called it 'a directory that does not exist')", async () => {
    const cwd = seedWorkspace({ origin: null });
    const file = join(cwd, "tfvars.json");
    const result = await runInProcess([
      "render",
      "--dry-run",
      "--date",
      SEED_DATE,
      "--tfvars",
      file,
      "--ssm-file",
      join(cwd, "ssm.json"),
      "--repo-dir",
      file,
    ]);
    // Like a missing directory: a warning, and the repository comes from the next source (SSM here).
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`--repo-dir ${file} is a file, not a directory`);
    expect(result.stderr).not.toMatch(/does not exist/);
  });
});

describe("warnings", () => {
  it("carry the log's one 'warning: ' prefix (a problem's own tag made it 'warning: warning:')", async () => {
    const result = await dryRun(seedWorkspace(), [], { date: "2099-01-01" });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^warning: day "01": 2099-01-01 is in the future/m);
    expect(result.stderr).not.toContain("warning: warning:");
  });
});

import { openSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { checkText, hasDuplicateKeys, validateCommand } from "../src/commands/validate.js";
import { InputError } from "../src/errors.js";
import { captureContext } from "./helpers/capture.js";

// Lets one test make a read fail even when the suite runs as root (where chmod 000 does not).
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  return { ...real, openSync: vi.fn(real.openSync) };
});

const ROOT = join(import.meta.dirname, "..");
const INVALID = "fixtures/payloads/invalid";
const VALID = "fixtures/payloads/valid";
const SEED = readFileSync(join(ROOT, VALID, "seed-sample.json"), "utf8");

interface Expected {
  line: number;
  column: number;
  key: string | null;
  rule: string;
  severity?: "error" | "warning";
}
const EXPECTED: Record<string, Expected[]> = JSON.parse(
  readFileSync(join(ROOT, INVALID, "../EXPECTED-invalid.json"), "utf8"),
);
const invalidFiles = Object.keys(EXPECTED).sort();
const validFiles = (await readdir(join(ROOT, VALID))).filter((name) => name.endsWith(".json")).sort();
// The expected problems of each invalid payload, at their line:col (fixtures/payloads/EXPECTED-invalid.json).
const invalidPaths = invalidFiles.map((name) => `${INVALID}/${name}`);

interface JsonProblem {
  severity: "error" | "warning";
  line: number | null;
  column: number | null;
  key: string | null;
  rule: string;
  message: string;
  value?: unknown;
}
interface JsonReport {
  files: { file: string; valid: boolean; problems: JsonProblem[] }[];
  summary: { files: number; valid: number; invalid: number; errors: number; warnings: number };
}

async function run(patterns: string[], format: "text" | "json" | "junit" = "text", cwd = ROOT) {
  const captured = captureContext();
  const code = await validateCommand(patterns, { format, cwd }, captured.ctx);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

async function runJson(patterns: string[], cwd = ROOT) {
  const result = await run(patterns, "json", cwd);
  return { ...result, report: JSON.parse(result.stdout) as JsonReport };
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "batchinf-validate-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("fixtures", () => {
  it("has at least 24 invalid fixtures, each with its expected problems, and nothing unlisted", async () => {
    const onDisk = (await readdir(join(ROOT, INVALID))).sort();
    expect(onDisk).toEqual(invalidFiles);
    expect(invalidFiles.length).toBeGreaterThanOrEqual(24);
    for (const name of invalidFiles) expect(EXPECTED[name]?.length, name).toBeGreaterThan(0);
  });

  it.each(invalidFiles)("%s: exit 2, exactly its expected problems at their line:column", async (name) => {
    const { code, report } = await runJson([`${INVALID}/${name}`]);
    expect(code).toBe(2);
    expect(report.files).toHaveLength(1);
    const [file] = report.files;
    expect(file?.file).toBe(`${INVALID}/${name}`);
    expect(file?.valid).toBe(false);
    const got = file?.problems.map(({ line, column, key, rule, severity }) => ({
      line,
      column,
      key,
      rule,
      severity,
    }));
    const want = EXPECTED[name]?.map((e) => ({ ...e, severity: e.severity ?? "error" }));
    expect(got).toEqual(want);
    for (const problem of file?.problems ?? []) expect(problem.message.length).toBeGreaterThan(10);
  });

  it.each(validFiles)("%s: exit 0, nothing on stdout", async (name) => {
    const { code, stdout, stderr } = await run([`${VALID}/${name}`]);
    expect(stdout).toBe("");
    expect(stderr).toBe("1 file valid\n");
    expect(code).toBe(0);
  });
});

describe("text format", () => {
  it("prints FILE:LINE:COL key: message [rule] per problem, in file order, and a summary on stderr", async () => {
    const { code, stdout, stderr } = await run([...invalidPaths, `${VALID}/*.json`]);
    expect(code).toBe(2);
    const lines = stdout.trimEnd().split("\n");
    const expected = invalidFiles.flatMap((name) =>
      (EXPECTED[name] ?? []).map((e) => ({ prefix: `${INVALID}/${name}:${e.line}:${e.column} `, e })),
    );
    expect(lines).toHaveLength(expected.length);
    lines.forEach((line, i) => {
      const { prefix, e } = expected[i] ?? { prefix: "?", e: undefined };
      expect(line.startsWith(prefix), `${line} should start with ${prefix}`).toBe(true);
      // The key, then its value when the message does not already quote it.
      const subject = `${e?.severity === "warning" ? "warning: " : ""}${e?.key ?? "input"}`;
      const rest = line.slice(prefix.length);
      expect(rest.startsWith(`${subject}: `) || rest.startsWith(`${subject} `), line).toBe(true);
      expect(line.endsWith(` [${e?.rule}]`), line).toBe(true);
    });
    const errors = expected.filter(({ e }) => e.severity !== "warning").length;
    expect(stderr).toBe(
      `error: ${invalidFiles.length} of ${invalidFiles.length + validFiles.length} files invalid, ${errors} errors, 2 warnings\n`,
    );
  });

  it("names the duplicate key, where it first stood, and why it matters", async () => {
    const { stdout } = await run([`${INVALID}/duplicate-key.json`]);
    expect(stdout).toBe(
      `${INVALID}/duplicate-key.json:27:5 use_case_name: duplicate key 'use_case_name' (first at 17:5); JSON.parse would silently keep the last value [duplicate-key]\n`,
    );
  });

  it("says what is wrong with a syntax error, where", async () => {
    const { stdout } = await run([
      `${INVALID}/syntax-trailing-comma.json`,
      `${INVALID}/syntax-empty.json`,
      `${INVALID}/syntax-missing-comma.json`,
    ]);
    expect(stdout).toContain(
      `${INVALID}/syntax-trailing-comma.json:27:1 input: invalid JSON: unexpected '}'`,
    );
    expect(stdout).toContain(`${INVALID}/syntax-empty.json:1:1 input: the file is empty`);
    expect(stdout).toContain(
      `${INVALID}/syntax-missing-comma.json:14:5 input: invalid JSON: unexpected string`,
    );
  });

  it("never prints the token of a repository URL", async () => {
    for (const format of ["text", "json", "junit"] as const) {
      const { stdout, stderr } = await run([`${INVALID}/repository-token-url.json`], format);
      expect(stdout + stderr).not.toContain("FAKE-TOKEN-1234");
      expect(stdout).toContain("https://github.com/maruti-modelops/");
    }
  });

  it("warnings alone do not fail the file", async () => {
    const file = join(tmp, "warnings-only.json");
    await writeFile(
      file,
      SEED.replace(
        '"arn:aws:sns:ap-south-1:731580992380:model_start_dq_notification"',
        '"arn:aws:sns:ap-south-1:111122223333:model_start_dq_notification"',
      ),
    );
    const { code, stdout, stderr } = await run([file]);
    expect(code).toBe(0);
    expect(stdout).toBe(
      `${file}:24:24 warning: email_topic_arn "arn:aws:sns:ap-south-1:111122223333:model_start_dq_notification": is in account 111122223333, not 731580992380 like aws_batch_job_definition_arn; cross-account use needs a resource policy [arn-account]\n`,
    );
    expect(stderr).toBe("1 file valid, 1 warning\n");
  });
});

describe("finding files", () => {
  it("a glob that matches nothing is an InputError naming it, even beside one that matches", async () => {
    const missing = run([`${VALID}/*.json`, "payloads/nope/*.json"]);
    await expect(missing).rejects.toBeInstanceOf(InputError);
    await expect(missing).rejects.toThrow(/'payloads\/nope\/\*\.json'/);
    await expect(run(["no-such-file.json"])).rejects.toThrow(/No file matches 'no-such-file.json'/);
    await expect(run([])).rejects.toBeInstanceOf(InputError);
  });

  it("dedupes files named several ways and sorts them", async () => {
    const { report } = await runJson([
      `${VALID}/seed-sample.json`,
      `${VALID}/*.json`,
      join(ROOT, VALID, "seed-sample.json"),
      `./${VALID}/queue-by-name.json`,
    ]);
    expect(report.files.map((f) => f.file)).toEqual(validFiles.map((name) => `${VALID}/${name}`));
  });

  it("takes an existing file as is even when its name looks like a glob, and a directory as its .json files", async () => {
    const dir = join(tmp, "dir");
    await mkdir(join(dir, "nested"), { recursive: true });
    await writeFile(join(dir, "[a].json"), SEED);
    await writeFile(join(dir, "nested", "b.json"), SEED);
    await writeFile(join(dir, "notes.txt"), "not json");
    const one = await runJson(["[a].json"], dir);
    expect(one.report.files.map((f) => f.file)).toEqual(["[a].json"]);
    const all = await runJson([dir], ROOT);
    expect(all.report.files.map((f) => f.file)).toEqual([
      join(dir, "[a].json"),
      join(dir, "nested", "b.json"),
    ]);
    expect(all.code).toBe(0);
  });

  it("reports a file it cannot read as a problem of that file", async () => {
    const file = join(tmp, "unreadable.json");
    await writeFile(file, SEED);
    vi.mocked(openSync).mockImplementationOnce(() => {
      throw Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
    });
    const { code, stdout } = await run([file]);
    expect(code).toBe(2);
    expect(stdout).toBe(`${file} input: cannot be validated: permission denied [unreadable]\n`);
  });
});

describe("json format", () => {
  it("is one document: files with their problems, and a summary", async () => {
    const { code, report, stdout } = await runJson([
      `${INVALID}/several-problems.json`,
      `${INVALID}/missing-required-year.json`,
      `${VALID}/seed-sample.json`,
    ]);
    expect(code).toBe(2);
    expect(stdout.endsWith("}\n")).toBe(true);
    expect(report.summary).toEqual({ files: 3, valid: 1, invalid: 2, errors: 5, warnings: 2 });
    expect(report.files.map((f) => [f.file, f.valid, f.problems.length])).toEqual([
      [`${INVALID}/missing-required-year.json`, false, 1],
      [`${INVALID}/several-problems.json`, false, 6],
      [`${VALID}/seed-sample.json`, true, 0],
    ]);
    const several = report.files[1]?.problems ?? [];
    expect(several[3]).toEqual({
      severity: "error",
      line: 15,
      column: 14,
      key: "month",
      rule: "type",
      message: 'must be a string, not a number (write "10")',
      value: 10,
    });
    expect(several[2]).toMatchObject({
      key: "aws_batch_job_definition_arn",
      rule: "arn-region",
      value: "arn:aws:batch:ap-south-1:731580992380:job-definition/test-training:3",
    });
    expect(report.files[0]?.problems[0]).toEqual({
      severity: "error",
      line: 1,
      column: 1,
      key: "year",
      rule: "required",
      message: expect.stringMatching(/^is missing/),
    });
  });
});

describe("junit format", () => {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "",
    isArray: (name) => name === "testcase",
  });

  it("is JUnit XML Jenkins reads: a test case per file, a failure naming the problems, warnings in system-out", async () => {
    const { code, stdout } = await run([...invalidPaths, `${VALID}/*.json`], "junit");
    expect(code).toBe(2);
    expect(XMLValidator.validate(stdout)).toBe(true);
    const doc = parser.parse(stdout);
    const suite = doc.testsuites.testsuite;
    const total = invalidFiles.length + validFiles.length;
    expect(suite).toMatchObject({
      name: "batchinf validate",
      tests: String(total),
      failures: String(invalidFiles.length),
      errors: "0",
    });
    expect(doc.testsuites).toMatchObject({ tests: String(total), failures: String(invalidFiles.length) });
    const cases: {
      classname: string;
      name: string;
      failure?: { message: string; type: string; "#text": string };
      "system-out"?: string;
    }[] = suite.testcase;
    expect(cases).toHaveLength(total);
    expect(cases.every((c) => c.classname === "batchinf.validate")).toBe(true);
    expect(cases.filter((c) => c.failure).map((c) => c.name)).toEqual(
      invalidFiles.map((n) => `${INVALID}/${n}`),
    );

    const several = cases.find((c) => c.name === `${INVALID}/several-problems.json`);
    expect(several?.failure).toMatchObject({ message: "4 problems", type: "invalid-input" });
    const failureLines = several?.failure?.["#text"].split("\n") ?? [];
    expect(failureLines).toHaveLength(4);
    expect(failureLines[0]).toMatch(
      new RegExp(
        `^${INVALID}/several-problems\\.json:12:37 aws_batch_job_definition_arn "[^"]+": is in region ap-south-1 .*\\[arn-region\\]$`,
      ),
    );
    expect(several?.["system-out"]?.split("\n")).toEqual([
      expect.stringMatching(
        /several-problems\.json:10:30 warning: s3_bucket_name_shared "[^"]+": .*\[distinct-buckets\]$/,
      ),
      expect.stringMatching(
        /several-problems\.json:11:29 warning: mapping_json_S3_path "[^"]+": .*\[mapping-json-extension\]$/,
      ),
    ]);
    const mapping = cases.find((c) => c.name === `${INVALID}/mapping-other-bucket.json`);
    expect(mapping?.failure?.["#text"]).toContain("(s3://msil-poc-apsouth1-internal/...)");
  });

  it("escapes markup and characters XML 1.0 forbids, in names and text", async () => {
    const dir = join(tmp, "xml");
    await mkdir(dir, { recursive: true });
    const name = `a&b<c>"d'\u0001.json`;
    await writeFile(join(dir, name), SEED.replace('"DCP"', '"D<&>\\u0007\\u001b"'));
    const { stdout } = await run([name], "junit", dir);
    const forbidden = [...stdout].filter((c) => {
      const code = c.codePointAt(0) ?? 0;
      return code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d;
    });
    expect(forbidden).toEqual([]);
    expect(XMLValidator.validate(stdout)).toBe(true);
    const testcase = parser.parse(stdout).testsuites.testsuite.testcase[0];
    expect(testcase.name).toBe(`a&b<c>"d'\\u0001.json`);
    expect(testcase.failure["#text"]).toContain('"D<&>\\u0007\\u001b" is not allowed');
  });
});

describe("limits and edge cases", () => {
  it("a payload over 262,144 bytes is an input-size error", async () => {
    const file = join(tmp, "huge.json");
    await writeFile(
      file,
      SEED.replace('"athenadb_name": "default"', `"athenadb_name": "${"a".repeat(270_000)}"`),
    );
    const { code, report } = await runJson([file]);
    expect(code).toBe(2);
    expect(
      report.files[0]?.problems.map(({ line, column, key, rule }) => ({ line, column, key, rule })),
    ).toEqual([
      { line: 1, column: 1, key: null, rule: "input-size" },
      { line: 3, column: 22, key: "athenadb_name", rule: "maxLength" },
    ]);
    expect(report.files[0]?.problems[0]?.message).toMatch(/at most 262144 bytes/);
  });

  it("a raw control character in a string is a syntax error at its position", async () => {
    const file = join(tmp, "control.json");
    await writeFile(file, SEED.replace('"DCP"', '"DC\u0001P"'));
    const { code, stdout } = await run([file]);
    expect(code).toBe(2);
    expect(stdout).toMatch(
      new RegExp(
        `^${file}:17:25 input: invalid JSON: a raw control character inside a string.*\\[json-syntax\\]\\n$`,
      ),
    );
  });

  it("reads a UTF-8 BOM and CRLF line ends, with the same positions", async () => {
    const bom = join(tmp, "bom.json");
    await writeFile(bom, `\ufeff${SEED}`);
    expect((await run([bom])).code).toBe(0);
    const crlf = join(tmp, "crlf.json");
    await writeFile(
      crlf,
      `\ufeff${SEED.replace('"region": "ap-south-1"', '"region": "ap-south"').replaceAll("\n", "\r\n")}`,
    );
    const { report } = await runJson([crlf]);
    expect(report.files[0]?.problems.map(({ line, column, rule }) => [line, column, rule])).toEqual([
      [13, 15, "pattern"],
    ]);
  });

  it("validates many files the same as one at a time", async () => {
    const dir = join(tmp, "many");
    await mkdir(dir, { recursive: true });
    const seedOf = (i: number) => (i % 7 === 0 ? SEED.replace('"day": "14"', '"day": "32"') : SEED);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        writeFile(join(dir, `p${String(i).padStart(3, "0")}.json`), seedOf(i)),
      ),
    );
    const { code, report } = await runJson(["*.json"], dir);
    expect(code).toBe(2);
    expect(report.summary).toEqual({ files: 200, valid: 171, invalid: 29, errors: 29, warnings: 0 });
    expect(report.files[7]).toMatchObject({
      file: "p007.json",
      valid: false,
      problems: [{ line: 16, column: 12, rule: "pattern" }],
    });
  });
});

describe("duplicate-key scan (fast path)", () => {
  it.each([
    ['{"a":1,"b":2}', false],
    ['{"a":1,"a":2}', true],
    ['{"a":{"b":1,"b":2}}', true],
    ['{"a":{"b":1},"c":{"b":1}}', false],
    ['{"a":[{"x":1},{"x":1}],"b":"a"}', false],
    ['{"a":"\\"a\\"","\\"a\\"":1}', false],
    ['{"a":1,"\\u0061":2}', true],
    ['{"a":{},"a":{}}', true],
    ['[{"a":1,"a":1}]', true],
    ['{"a:": 1, "a": "{\\"a\\":1}"}', false],
    ['"{\\"a\\":1,\\"a\\":1}"', false],
  ])("%s -> %s", (text, expected) => {
    expect(hasDuplicateKeys(text, JSON.parse(text))).toBe(expected);
    if (expected) expect(checkText(text, 0).some((p) => p.problem.rule === "duplicate-key")).toBe(true);
  });
});

describe("a directory with no payload in it", () => {
  it("is one problem of that path; the other files are still checked and in the JUnit report", async () => {
    const dir = join(tmp, "empty-dir.json");
    await mkdir(dir, { recursive: true });
    const valid = join(ROOT, "fixtures/payloads/valid/seed-sample.json");
    const result = await run([dir, valid], "junit");
    expect(result.code).toBe(2);
    const suites = new XMLParser({ ignoreAttributes: false }).parse(result.stdout).testsuites.testsuite;
    const cases = [suites.testcase].flat() as Array<Record<string, unknown>>;
    expect(cases).toHaveLength(2);
    expect(JSON.stringify(cases.find((c) => String(c["@_name"]).endsWith("empty-dir.json")))).toMatch(
      /it is a directory/,
    );
    expect(cases.find((c) => String(c["@_name"]).endsWith("seed-sample.json"))?.failure).toBeUndefined();
  });
});

/**
 * Property tests of the secrets boundary and of one-record-one-line:
 * generated secrets of arbitrary characters (quotes, backslashes, newlines,
 * escape sequences, %, spaces, unicode, lone surrogates) and lengths, passed
 * through every source (SSM SecureString via the live SSM fake; URL
 * credentials in $GIT_URL, git origin, --set and tfvars) and every output
 * format (text/json stdout, --log-format text/json, --explain, error
 * messages), never appear in any output raw, JSON-escaped or URL-encoded.
 *
 * Generated cases per run of this file: RUNS.* below (1,360 in all).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { validateCommand } from "../src/commands/validate.js";
import { MASK, Secrets } from "../src/secrets/secrets.js";
import { SSM_PATH, useFakeAws } from "./helpers/aws.js";
import { captureContext } from "./helpers/capture.js";
import { type CliResult, runInProcess } from "./helpers/cli.js";
import { leakForms, leaks } from "./helpers/leaks.js";
import { SEED_DATE, seedSample, seedSsm, seedWorkspace } from "./helpers/seed.js";

const RUNS = { pure: 1000, secureString: 60, urlCredential: 80, keysAndValues: 120, validate: 100 };

const world = useFakeAws();
beforeEach(() => {
  // The SDK's credential chain reads process.env, not the command's env.
  for (const [name, value] of Object.entries(world.fake.env({ region: "ap-south-1" })))
    vi.stubEnv(name, value);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

/** Characters that broke v1 somewhere, mixed with arbitrary code units. */
const nasty = fc.constantFrom(
  '"',
  "\\",
  "\n",
  "\r",
  "\t",
  "%",
  "%2F",
  " ",
  "\u001b[31m",
  "\u0000",
  "\u007f",
  "\u0085",
  "é",
  "😀",
  "\u2028",
  "'",
  "&",
  "<",
  "+",
  "/",
  "?",
  "#",
  "@",
  ":",
  "*",
  "****",
  "\ud800",
);
const affix = fc
  .array(fc.oneof(nasty, fc.string({ unit: "binary", maxLength: 4 })), { maxLength: 8 })
  .map((parts) => parts.join(""));
/**
 * A secret: arbitrary text around a random core, so that the secret is never
 * text batchinf prints by itself (`","level` would be "found" in any JSON
 * log line), while every character class still occurs in it.
 */
const secretArb = fc
  .tuple(affix, fc.stringMatching(/^[A-Za-z0-9]{4,12}$/), affix)
  .map(([before, core, after]) => `${before}Zq${core}${after}`);
/** Keys and values of every kind, for the one-line properties. */
const anyText = fc.oneof(affix, fc.string({ unit: "binary", maxLength: 40 }), secretArb);

/** No C0 (but the record's own line feed), DEL, C1 or line separator in a text log. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding raw control characters is the point.
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

/** The one-line properties, for any run: one record per write, one line each, JSON lines parse. */
function expectOneLinePerRecord(result: CliResult, format: "text" | "json"): void {
  for (const write of result.stderrWrites ?? []) {
    expect(write.endsWith("\n")).toBe(true);
    expect(write.slice(0, -1)).not.toContain("\n");
    if (format === "json") expect(() => JSON.parse(write)).not.toThrow();
    else expect(write.slice(0, -1)).not.toMatch(RAW_CONTROL);
  }
}

describe("Secrets masks every encoded form (pure)", () => {
  // A thousand generated cases: well under a minute alone, more on a loaded two-core agent.
  it("in free text, in data, whatever surrounds it", { timeout: 180_000 }, () => {
    fc.assert(
      fc.property(secretArb, secretArb, affix, affix, (secret, other, before, after) => {
        const secrets = new Secrets();
        secrets.add(secret);
        secrets.add(other);
        const forms = [...leakForms(secret), ...leakForms(other)];
        const text = forms.map((form) => `${before}${form}${after}`).join(`${other}${secret}`);
        const masked = secrets.maskText(text);
        for (const form of forms) expect(masked).not.toContain(form);
        const data = JSON.stringify(secrets.maskValue({ [secret]: [text, { k: `${before}${secret}` }] }));
        for (const form of forms) expect(data).not.toContain(form);
      }),
      { numRuns: RUNS.pure },
    );
  });
});

/** Every seed SSM parameter by name but `except`'s, so the test's SecureString is the key's only source. */
function seedParamsExcept(except: string): string[] {
  const fromSsm = Object.keys(seedSsm()).filter((key) => key !== "state_machine_arn" && key !== except);
  return fromSsm.flatMap((key) => ["--ssm-param", `${SSM_PATH}${key}`]);
}

describe("render never prints a SecureString (live SSM fake)", () => {
  let n = 0;
  it("in stdout, --output json, --explain, override lines, errors, text and json logs", async () => {
    const dir = seedWorkspace();
    await fc.assert(
      fc.asyncProperty(
        secretArb,
        fc.constantFrom("dq_table", "aws_batch_job_name", "athenadb_name"),
        fc.constantFrom("text" as const, "json" as const),
        fc.boolean(),
        fc.boolean(),
        async (secret, key, format, override, jsonOutput) => {
          const name = `/prop/${++n}/${key}`;
          world.ssm.putParameter({ name, value: secret, type: "SecureString" });
          const args = [
            "render",
            "--date",
            SEED_DATE,
            "--repo-dir",
            dir,
            "--tfvars",
            join(dir, "tfvars.json"),
            "--ssm-param",
            name,
            ...seedParamsExcept(key),
            "--explain",
            "--log-format",
            format,
            ...(override ? ["--set", `${key}=${seedSample()[key]}`] : []),
            ...(jsonOutput ? ["--output", "json"] : []),
          ];
          const result = await runInProcess(args, { env: world.fake.env({ region: "ap-south-1" }) });
          // Overridden, the input is valid; else the secret is its key's value, valid or not.
          if (override) expect(result.code).toBe(0);
          else expect([0, 2]).toContain(result.code);
          expect(result.stderr).toContain(MASK);
          expect(leaks(result.stdout + result.stderr, secret)).toEqual([]);
          expectOneLinePerRecord(result, format);
        },
      ),
      { numRuns: RUNS.secureString },
    );
  });
});

describe("a URL credential never reaches any output, from any source", () => {
  it("$GIT_URL, git origin, --set, tfvars; user info, token-as-user, query parameter", async () => {
    const workspaces = { plain: seedWorkspace({ origin: null }) };
    await fc.assert(
      fc.asyncProperty(
        secretArb,
        fc.constantFrom("GIT_URL", "origin", "set", "tfvars"),
        fc.constantFrom("password", "user", "query"),
        fc.constantFrom("text" as const, "json" as const),
        async (token, source, where, format) => {
          const encoded = encodeURIComponent(token.replace(/[\ud800-\udfff]/g, "x"));
          const secret = decodeURIComponent(encoded);
          const url =
            where === "password"
              ? `https://x-access-token:${encoded}@github.com/org/x.git`
              : where === "user"
                ? `https://${encoded}@github.com/org/x.git`
                : `https://github.com/org/x.git?private_token=${encoded}`;
          let dir = workspaces.plain;
          if (source === "origin") dir = seedWorkspace({ origin: url });
          if (source === "tfvars") {
            dir = seedWorkspace({
              origin: null,
              tfvars: { region: "ap-south-1", use_case_name: "DCP", repository: url },
            });
          }
          const args = [
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
            "--explain",
            "--verbose",
            "--log-format",
            format,
            ...(source === "set" ? ["--set", `repository=${url}`] : []),
          ];
          const result = await runInProcess(args, { env: source === "GIT_URL" ? { GIT_URL: url } : {} });
          // From git the URL is normalised (exit 0); as a value it is no repository key (exit 2).
          expect(result.code).toBe(source === "GIT_URL" || source === "origin" ? 0 : 2);
          expect(leaks(result.stdout + result.stderr, secret)).toEqual([]);
          expectOneLinePerRecord(result, format);
        },
      ),
      { numRuns: RUNS.urlCredential },
    );
  });
});

describe("generated keys and values never produce more lines than records", () => {
  it("render: unknown SSM keys in --explain, --set values in override and error lines", async () => {
    const dir = seedWorkspace();
    await fc.assert(
      fc.asyncProperty(
        anyText,
        anyText,
        fc.constantFrom("text" as const, "json" as const),
        async (key, value, format) => {
          writeFileSync(join(dir, "ssm.json"), JSON.stringify({ ...seedSsm(), [`k${key}`]: value }));
          const args = [
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
            "--explain",
            "--log-format",
            format,
            "--set",
            `dq_table=${value}`,
          ];
          const result = await runInProcess(args);
          expect([0, 2]).toContain(result.code);
          expect(result.stderrWrites?.length).toBeGreaterThan(0);
          expectOneLinePerRecord(result, format);
        },
      ),
      { numRuns: RUNS.keysAndValues },
    );
  });

  it("validate: one text line per problem, file names, keys and values escaped", async () => {
    const dir = seedWorkspace({ origin: null });
    await fc.assert(
      fc.asyncProperty(anyText, anyText, anyText, async (fileSuffix, key, value) => {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL cannot stand in a file name.
        const file = `p-${fileSuffix.replace(/[/\u0000]/g, "_").replace(/[\ud800-\udfff]/g, "x")}.json`;
        writeFileSync(
          join(dir, file),
          JSON.stringify({ ...seedSample(), [`x${key}`]: value, dq_table: value }),
        );
        const text = captureContext();
        const json = captureContext();
        const code = await validateCommand([file], { format: "text", cwd: dir }, text.ctx);
        await validateCommand([file], { format: "json", cwd: dir }, json.ctx);
        expect(code).toBe(2);
        const report = JSON.parse(json.stdout()) as { files: Array<{ problems: unknown[] }> };
        const problems = report.files.reduce((sum, f) => sum + f.problems.length, 0);
        const lines = text.stdout().split("\n").filter(Boolean);
        expect(lines).toHaveLength(problems);
        for (const line of lines) expect(line).not.toMatch(RAW_CONTROL);
      }),
      { numRuns: RUNS.validate },
    );
  });
});

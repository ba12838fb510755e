import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = join(ROOT, "dist/batchinf.cjs");
export const SEED_ORIGIN =
  "https://github.com/maruti-modelops/quality-mlops-defect-corelation-and-prediction.git";
export const SEED_DATE = "2023-10-14";

export function fixture(path: string): string {
  return join(ROOT, "fixtures", path);
}

/** The seed's sample input, the reference every render is compared with. */
export function seedSample(): Record<string, string> {
  return JSON.parse(readFileSync(fixture("payloads/valid/seed-sample.json"), "utf8")) as Record<
    string,
    string
  >;
}

/** The seed's Terraform outputs (16 values) plus the control key, as an SSM snapshot. */
export function seedSsm(): Record<string, string> {
  return JSON.parse(readFileSync(fixture("seed/ssm.json"), "utf8")) as Record<string, string>;
}

/** The suite's scratch directory (test/global-setup.ts removes it), else the system's. */
function workspaces(): string {
  return process.env.BATCHINF_TEST_SCRATCH ?? tmpdir();
}

/**
 * A fresh working directory laid out like a Jenkins workspace: a git repo
 * whose origin is `origin`, the seed's tfvars.json and SSM snapshot.
 */
export function seedWorkspace(options: { origin?: string | null; tfvars?: unknown } = {}): string {
  const dir = mkdtempSync(join(workspaces(), "batchinf-ws-"));
  const origin = options.origin === undefined ? SEED_ORIGIN : options.origin;
  if (origin !== null) writeGitRepository(dir, origin);
  writeFileSync(
    join(dir, "tfvars.json"),
    `${JSON.stringify(options.tfvars ?? { region: "ap-south-1", use_case_name: "DCP" }, null, 2)}\n`,
  );
  cpSync(fixture("seed/ssm.json"), join(dir, "ssm.json"));
  return dir;
}

/**
 * Make `dir` a git repository whose `origin` is `url`, as `git init` and
 * `git remote add origin` would, by writing the few files git needs (HEAD,
 * objects/, refs/, config). Two git processes per workspace cost ~60 ms, and
 * workspaces are made by the hundred; batchinf still reads the origin with
 * the real git. test/seed-workspace.test.ts checks git reads it back as its own.
 */
export function writeGitRepository(dir: string, url: string): void {
  const git = join(dir, ".git");
  mkdirSync(join(git, "objects"), { recursive: true });
  mkdirSync(join(git, "refs", "heads"), { recursive: true });
  mkdirSync(join(git, "refs", "tags"), { recursive: true });
  writeFileSync(join(git, "HEAD"), "ref: refs/heads/main\n");
  writeFileSync(
    join(git, "config"),
    [
      "[core]",
      "\trepositoryformatversion = 0",
      "\tbare = false",
      '[remote "origin"]',
      `\turl = ${gitConfigValue(url)}`,
      "\tfetch = +refs/heads/*:refs/remotes/origin/*",
      "",
    ].join("\n"),
  );
}

/** A git config value, quoted as git itself writes one: `\\`, `"`, newline, tab and backspace escaped. */
function gitConfigValue(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: git config cannot hold these; refuse rather than mangle.
  if (/[\u0000-\u0007\u000b-\u001f\u007f]/.test(value))
    throw new Error(`writeGitRepository: git config cannot hold ${JSON.stringify(value)}`);
  const escaped = value.replace(/[\\"\n\t\b]/g, (c) =>
    c === "\n" ? "\\n" : c === "\t" ? "\\t" : c === "\b" ? "\\b" : `\\${c}`,
  );
  return `"${escaped}"`;
}

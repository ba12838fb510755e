import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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
  if (origin !== null) {
    execFileSync("git", ["init", "-q"], { cwd: dir });
    execFileSync("git", ["remote", "add", "origin", origin], { cwd: dir });
  }
  writeFileSync(
    join(dir, "tfvars.json"),
    `${JSON.stringify(options.tfvars ?? { region: "ap-south-1", use_case_name: "DCP" }, null, 2)}\n`,
  );
  cpSync(fixture("seed/ssm.json"), join(dir, "ssm.json"));
  return dir;
}

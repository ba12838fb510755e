import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Build the bundle once before the suite: the CLI tests spawn the real
 * dist/batchinf.cjs, as Jenkins will, rather than the TypeScript sources.
 * Workspaces the tests create live under one directory, removed at the end.
 */
export default function setup(): () => void {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  execFileSync(process.execPath, [join(root, "scripts/build.mjs")], { cwd: root, stdio: "inherit" });
  const scratch = mkdtempSync(join(tmpdir(), "batchinf-tests-"));
  // Test workers are forked after this runs, so they inherit it.
  process.env.BATCHINF_TEST_SCRATCH = scratch;
  return () => rmSync(scratch, { recursive: true, force: true });
}

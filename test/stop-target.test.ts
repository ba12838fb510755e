import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

describe("stop without a target is refused before the command and the SDK load", () => {
  // A copy of the entry alone: had `stop` loaded its chunk (and the SDK with it), it would fail otherwise.
  const dist = mkdtempSync(join(process.env.BATCHINF_TEST_SCRATCH ?? tmpdir(), "batchinf-entry-"));
  cpSync(join(__dirname, "..", "dist", "batchinf.cjs"), join(dist, "batchinf.cjs"));
  const stop = (...args: string[]) =>
    spawnSync(process.execPath, [join(dist, "batchinf.cjs"), "stop", ...args], { encoding: "utf8" });

  it("neither an ARN nor --result-file: exit 2, the usage named", () => {
    const child = stop();
    expect(child.status).toBe(2);
    expect(child.stderr).toContain(
      "Name the execution to stop: batchinf stop ARN, or batchinf stop --result-file FILE.",
    );
  });

  it("both: exit 2", () => {
    const child = stop("arn:aws:states:eu-west-1:123456789012:execution:m:n", "--result-file", "r.json");
    expect(child.status).toBe(2);
    expect(child.stderr).toContain("Give the execution ARN or --result-file FILE, not both.");
  });
});

import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeGitRepository } from "./helpers/seed.js";

/** What batchinf asks git: the origin's URL, through the real git. */
function originOf(dir: string): string {
  return execFileSync("git", ["remote", "get-url", "origin"], { cwd: dir, encoding: "utf8" }).trimEnd();
}

function scratch(): string {
  return mkdtempSync(join(process.env.BATCHINF_TEST_SCRATCH ?? tmpdir(), "batchinf-gitrepo-"));
}

describe("seedWorkspace's hand-written git repository", () => {
  // The seed's origin, a token in user info, a local path, and the characters git config quotes or escapes.
  const urls = [
    "https://github.com/maruti-modelops/quality-mlops-defect-corelation-and-prediction.git",
    "https://someone:ghp_S3cretT0kenValue@github.com/o/x.git",
    "/srv/git/local-mirror.git",
    'https://x:a"b\\c;d#e %20\t@github.com/o/x.git?private_token=%22%5C',
    " leading and trailing space ",
  ];

  it.each(urls)("git reads %j back as the origin, as it does from `git remote add`", (url) => {
    const written = scratch();
    writeGitRepository(written, url);
    const byGit = scratch();
    execFileSync("git", ["init", "-q"], { cwd: byGit });
    execFileSync("git", ["remote", "add", "origin", url], { cwd: byGit });
    expect(originOf(written)).toBe(url.trimEnd());
    expect(originOf(written)).toBe(originOf(byGit));
    // It is a work tree git recognises, not just a config file it happens to parse.
    expect(
      execFileSync("git", ["rev-parse", "--is-inside-work-tree"], { cwd: written, encoding: "utf8" }),
    ).toBe("true\n");
  });

  it("refuses a URL git config cannot hold rather than write a different one", () => {
    expect(() => writeGitRepository(scratch(), "https://github.com/o/x\r.git")).toThrow(/cannot hold/);
  });
});

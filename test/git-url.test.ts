import { describe, expect, it } from "vitest";
import { credentialsIn, parseRepositoryUrl, stripUserInfo } from "../src/sources/git-url.js";

const EXPECTED = "github/org/x.git";

describe("parseRepositoryUrl", () => {
  it.each([
    "https://github.com/org/x.git",
    "https://github.com/org/x",
    "https://github.com/org/x/",
    "git@github.com:org/x",
    "git@github.com:org/x.git",
    "ssh://git@github.com/org/x.git",
    "ssh://git@ssh.github.com:443/org/x.git",
    "https://someone:TOKEN@github.com/org/x.git",
    "https://x-access-token:ghs_abc@github.com/org/x.git",
    "https://TOKEN@www.github.com/org/x.git",
    "git://github.com/org/x.git",
  ])("normalises %s to github/org/x.git", (url) => {
    const parsed = parseRepositoryUrl(url);
    expect(parsed).toMatchObject({ ok: true, repository: EXPECTED });
    expect(parsed.safeUrl).not.toMatch(/TOKEN|ghs_abc|someone/);
  });

  it("keeps GitLab subgroups and other hosts", () => {
    expect(parseRepositoryUrl("https://gitlab.example.com/group/sub/repo.git")).toMatchObject({
      ok: true,
      repository: "gitlab/group/sub/repo.git",
    });
    expect(parseRepositoryUrl("git@bitbucket.org:team/repo.git")).toMatchObject({
      ok: true,
      repository: "bitbucket/team/repo.git",
    });
  });

  it.each([
    ["/srv/git/x.git", "local path"],
    ["./x", "local path"],
    ["file:///srv/git/x.git", "local path"],
    ["https://github.com/onlyowner", "owner and a repository"],
    ["", "empty"],
  ])("refuses %s without crashing (%s)", (url, reason) => {
    const parsed = parseRepositoryUrl(url);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });
});

describe("credentials in URLs", () => {
  it("strips user info and reports the secret parts", () => {
    expect(stripUserInfo("https://someone:TOKEN@github.com/o/r.git")).toBe("https://github.com/o/r.git");
    expect(credentialsIn("https://someone:TOKEN@github.com/o/r.git")).toEqual(["TOKEN"]);
    expect(credentialsIn("https://u:p@ss@github.com/o/r.git?token=T0K&x=1")).toEqual(["p@ss", "T0K"]);
    expect(stripUserInfo("https://u:p@ss@github.com/o/r.git?token=T0K&x=1#f")).toBe(
      "https://github.com/o/r.git?x=1",
    );
    expect(credentialsIn("user:tok3n@github.com:o/r.git")).toEqual(["user", "tok3n"]);
    expect(credentialsIn("https://ghp_secret@github.com/o/r.git")).toEqual(["ghp_secret"]);
    expect(credentialsIn("git@github.com:o/r.git")).toEqual([]);
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withOptionsTable } from "../scripts/update-readme.js";
import { envName, OPTIONS } from "../src/cli-options.js";
import { ROOT } from "./helpers/seed.js";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");

describe("README", () => {
  it("has the option table generated from src/cli-options.ts (run npm run docs)", () => {
    expect(withOptionsTable(readme)).toBe(readme);
    for (const spec of OPTIONS) expect(readme).toContain(envName(spec));
  });

  it("starts with exactly two set-up commands: install + render --dry-run on fixtures, and the tests", () => {
    const quickStart = readme.slice(0, readme.indexOf("\n## ", readme.indexOf("## Quick start") + 1));
    const commands = [...quickStart.matchAll(/```sh\n([^`]+)```/g)].map((m) => m[1]?.trim());
    expect(commands).toEqual([
      expect.stringMatching(/^npm ci && npx batchinf render --dry-run /),
      "npm test",
    ]);
  });
});

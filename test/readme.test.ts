import { execFileSync } from "node:child_process";
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

describe("README examples", () => {
  // Each ```console block: `$ COMMAND` then exactly what it prints (stdout and stderr together).
  const examples = [...readme.matchAll(/```console\n\$ ([^\n]+)\n([\s\S]*?)```/g)].map((m) => ({
    command: m[1] as string,
    output: m[2] as string,
  }));

  it("has worked examples", () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  for (const { command, output } of examples) {
    it(`prints what it shows, run from the clone root: ${command.slice(0, 80)}`, () => {
      // `npx batchinf` is the package's bin; run the built one directly, with only a minimal environment.
      const shell = command.replaceAll("npx batchinf", `node ${join(ROOT, "dist/batchinf.cjs")}`);
      const printed = execFileSync("sh", ["-c", `{ ${shell}; } 2>&1`], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: process.env.HOME ?? "/tmp",
          GIT_DIR: "/nonexistent",
        },
        encoding: "utf8",
      });
      expect(printed).toBe(output);
    });
  }
});

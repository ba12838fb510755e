import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { cruise, type IViolation } from "dependency-cruiser";
import { afterAll, describe, expect, it } from "vitest";

// `npm run deps` guards the layers of src/ (part of `npm test`); these tests
// prove its rules can fail, on small trees laid out like src/ (imports
// without ".js": outside the CLI, no tsconfig maps "./x.js" to ./x.ts).
const config = createRequire(import.meta.url)("../.dependency-cruiser.cjs");
const scratch = mkdtempSync(join(tmpdir(), "batchinf-deps-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function violationsOf(files: Record<string, string>): Promise<string[]> {
  const root = mkdtempSync(join(scratch, "tree-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const { output } = await cruise(["src"], {
    ...config.options,
    tsConfig: undefined,
    baseDir: root,
    validate: true,
    ruleSet: { forbidden: config.forbidden },
  });
  if (typeof output === "string") throw new Error("expected a cruise result");
  return output.summary.violations.map(
    (v: IViolation) =>
      `${v.rule.name}: ${v.from} -> ${v.cycle ? v.cycle.map((c) => c.name).join(" -> ") : v.to}`,
  );
}

describe("the dependency rules", () => {
  it("reject an import from a lower layer to a higher one, type-only imports too", async () => {
    const violations = await violationsOf({
      "src/aws/sfn.ts":
        'import type { Plan } from "../execution/plan";\nexport const a = 1 as unknown as Plan;\n',
      "src/execution/plan.ts": "export type Plan = number;\n",
      "src/commands/run.ts": 'import "../program";\n',
      "src/program.ts": "export {};\n",
      "src/newfolder/x.ts": 'import "../commands/run";\n',
    });
    expect(violations.sort()).toEqual([
      "no-upward-from-base: src/aws/sfn.ts -> src/execution/plan.ts",
      "no-upward-from-base: src/newfolder/x.ts -> src/commands/run.ts",
      "no-upward-from-commands: src/commands/run.ts -> src/program.ts",
    ]);
  });

  it("reject an import cycle, even within a layer", async () => {
    const violations = await violationsOf({
      "src/execution/follow.ts": 'import type { Stop } from "./stop";\nexport type Sleep = Stop;\n',
      "src/execution/stop.ts": 'import type { Sleep } from "./follow";\nexport type Stop = Sleep | 1;\n',
    });
    expect(violations).toContain(
      "no-circular: src/execution/follow.ts -> src/execution/stop.ts -> src/execution/follow.ts",
    );
  });

  it("reject a command importing another command, and allow its helpers", async () => {
    const violations = await violationsOf({
      "src/commands/backfill.ts": 'import "./run";\nimport "./frame";\n',
      "src/commands/run.ts": 'import "./frame";\n',
      "src/commands/frame.ts": "export {};\n",
    });
    expect(violations).toEqual([
      "no-command-imports-command: src/commands/backfill.ts -> src/commands/run.ts",
    ]);
  });

  it("allow imports down and within a layer", async () => {
    const violations = await violationsOf({
      "src/program.ts": 'import "./commands/run";\n',
      "src/commands/run.ts": 'import "../backfill/a";\nimport "./frame";\n',
      "src/commands/frame.ts": "export {};\n",
      "src/backfill/a.ts": 'import "../execution/b";\n',
      "src/execution/b.ts": 'import "../failure/c";\n',
      "src/failure/c.ts": 'import "../aws/d";\n',
      "src/aws/d.ts": 'import "../io/e";\n',
      "src/io/e.ts": "export {};\n",
    });
    expect(violations).toEqual([]);
  });
});

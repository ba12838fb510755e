import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { runFast, useFastWorld } from "./helpers/fast-world.js";
import { SEED_DATE, seedWorkspace } from "./helpers/seed.js";

/**
 * Issue 15's overwritten inputs, one test each: an output that names an
 * input or another output, or a directory, is refused before anything is
 * read, written or called (exit 2, one message naming both flags and the
 * path), and every file is left as it was.
 */
const world = useFastWorld();

function snapshot(files: string[]): string[] {
  return files.map((file) => readFileSync(file, "utf8"));
}

async function refused(args: string[], cwd: string, expected: RegExp, untouched: string[]) {
  const before = snapshot(untouched);
  const result = await runFast(world, args, { cwd });
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).toMatch(expected);
  expect(result.stderr).toContain("Nothing was started");
  // Before any AWS call: not even the SSM read.
  expect(world.fake.calls).toEqual([]);
  expect(snapshot(untouched)).toEqual(before);
  return result;
}

describe("outputs never overwrite inputs", () => {
  it("an empty path (--result-file '', --tfvars ' ') is a usage error naming the flag, not a silent no-file", async () => {
    const cwd = seedWorkspace();
    for (const [flag, value] of [
      ["--result-file", ""],
      ["--junit", ""],
      ["--tfvars", " "],
    ] as const) {
      const result = await runFast(world, ["run", flag, value], { cwd });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`${flag} is empty; pass a file path, or leave the option out.`);
      expect(world.fake.calls).toEqual([]);
    }
  });

  it("--result-file tfvars.json --tfvars tfvars.json: the tfvars is neither destroyed nor blamed", async () => {
    const cwd = seedWorkspace();
    const tfvars = join(cwd, "tfvars.json");
    const result = await refused(
      ["run", "--result-file", tfvars],
      cwd,
      /--result-file and --tfvars name the same file \(.*tfvars\.json\): writing --result-file would destroy the input/,
      [tfvars],
    );
    expect(result.stderr).not.toMatch(/Terraform variables|not a JSON object/);
  });

  it("--junit x --tfvars x: refused before the run, not replaced after it", async () => {
    const cwd = seedWorkspace();
    const tfvars = join(cwd, "tfvars.json");
    await refused(["run", "--junit", tfvars], cwd, /--junit and --tfvars name the same file/, [tfvars]);
  });

  it("--result-file equal to --ssm-file, through another spelling of the path", async () => {
    const cwd = seedWorkspace();
    const ssm = join(cwd, "ssm.json");
    mkdirSync(join(cwd, "sub"));
    await refused(
      ["run", "--ssm-file", ssm, "--result-file", join(cwd, "sub", "..", "ssm.json")],
      cwd,
      /--result-file and --ssm-file name the same file \(.*ssm\.json\)/,
      [ssm],
    );
  });

  it("--junit same --report-html same: one would replace the other", async () => {
    const cwd = seedWorkspace();
    const same = join(cwd, "report.out");
    writeFileSync(same, "kept\n");
    await refused(
      [
        "wait",
        `${world.stateMachineArn.replace(":stateMachine:", ":execution:")}:x`,
        "--junit",
        same,
        "--report-html",
        same,
      ],
      cwd,
      /--junit and --report-html name the same file \(.*report\.out\): one report would replace the other/,
      [same],
    );
  });

  it("a --junit that is a directory is found before anything runs: exit 2, nothing started", async () => {
    const cwd = seedWorkspace();
    const started = world.sfn.executions().length;
    await refused(["run", "--junit", cwd], cwd, /--junit .* is a directory; name a file in it/, []);
    expect(world.sfn.executions()).toHaveLength(started);
  });

  it("the binary, relative names: --result-file tfvars.json against the default --tfvars ./tfvars.json; a variable named as such", async () => {
    const cwd = seedWorkspace();
    const tfvars = join(cwd, "tfvars.json");
    const before = readFileSync(tfvars, "utf8");
    const byFlag = await runCli(
      ["run", "--result-file", "tfvars.json", "--ssm-file", "ssm.json", "--date", SEED_DATE],
      {
        cwd,
      },
    );
    expect(byFlag.code, byFlag.stderr).toBe(2);
    expect(byFlag.stderr).toMatch(/--result-file and --tfvars name the same file/);
    const byVariable = await runCli(["run", "--ssm-file", "ssm.json", "--date", SEED_DATE], {
      cwd,
      env: { BATCHINF_JUNIT: "./tfvars.json" },
    });
    expect(byVariable.code).toBe(2);
    expect(byVariable.stderr).toMatch(/BATCHINF_JUNIT and --tfvars name the same file/);
    // A usage error writes its reports too: never over an input.
    const usage = await runCli(["run", "--result-file", "tfvars.json", "--timeout", "1m1m"], { cwd });
    expect(usage.code).toBe(2);
    expect(readFileSync(tfvars, "utf8")).toBe(before);
  });
});

import { linkSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OPTIONS, type OptionSpec } from "../src/cli-options.js";
import { InputError } from "../src/errors.js";
import { assertOutputPaths, type NamedFile } from "../src/io/output-paths.js";

/**
 * Outputs never overwrite inputs (issue 15): generated sets of output and
 * input paths, each spelled one of many ways (relative, `./x`, `sub/../x`,
 * absolute, through a symlink to the file or to its directory, a hard
 * link, another case), are refused exactly when two of them name the same
 * file, as a model of the file system built beside them says.
 *
 * Generated cases per run of this file: RUNS (400).
 */
const RUNS = 400;

/** A workspace: files a, b, A (a distinct file on a case-sensitive volume), links to them, a subdirectory. */
function workspace(): { dir: string; spellings: Array<{ path: string; file: string }> } {
  const dir = mkdtempSync(join(tmpdir(), "batchinf-paths-"));
  mkdirSync(join(dir, "sub"));
  for (const name of ["a.json", "b.json", "A.json"]) writeFileSync(join(dir, name), "{}\n");
  symlinkSync(join(dir, "a.json"), join(dir, "link-to-a.json"));
  symlinkSync("sub", join(dir, "link-to-sub"));
  linkSync(join(dir, "b.json"), join(dir, "sub", "hard-b.json"));
  // path (relative to dir, or absolute) -> the file it names in the model; "new:" files do not exist yet.
  const spellings = [
    { path: "a.json", file: "a" },
    { path: "./a.json", file: "a" },
    { path: join(dir, "a.json"), file: "a" },
    { path: "sub/../a.json", file: "a" },
    { path: "link-to-a.json", file: "a" },
    { path: "b.json", file: "b" },
    { path: "sub/hard-b.json", file: "b" },
    { path: "link-to-sub/hard-b.json", file: "b" },
    { path: "A.json", file: "A" },
    { path: "new.json", file: "new:new" },
    { path: "./new.json", file: "new:new" },
    { path: "sub/../new.json", file: "new:new" },
    { path: "New.json", file: "new:New" },
    { path: "sub/new.json", file: "new:sub/new" },
    { path: "link-to-sub/new.json", file: "new:sub/new" },
  ];
  return { dir, spellings };
}

const OUTPUT_FLAGS = ["--result-file", "--junit", "--report-html"];
const INPUT_FLAGS = ["--tfvars", "--ssm-file"];

describe("output paths, compared as the file system sees them", () => {
  it("refused exactly when an output names the same file as another output or an input", async () => {
    const { dir, spellings } = workspace();
    const pick = fc.nat(spellings.length - 1);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(pick, { nil: undefined }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.option(pick, { nil: undefined }), { minLength: 2, maxLength: 2 }),
        async (outputPicks, inputPicks) => {
          const named = (flags: string[], picks: Array<number | undefined>) =>
            picks.flatMap((i, k) => {
              const spelling = i === undefined ? undefined : spellings[i];
              return spelling
                ? [{ label: flags[k] as string, file: spelling.path, model: spelling.file }]
                : [];
            });
          const outputs = named(OUTPUT_FLAGS, outputPicks);
          const inputs = named(INPUT_FLAGS, inputPicks);
          const collisions = outputs.flatMap((output, i) => [
            ...outputs.slice(i + 1).filter((other) => other.model === output.model),
            ...inputs.filter((input) => input.model === output.model),
          ]);
          const strip = (files: typeof outputs): NamedFile[] =>
            files.map(({ label, file }) => ({ label, file }));
          const checked = assertOutputPaths(strip(outputs), strip(inputs), { cwd: dir });
          if (collisions.length === 0) {
            await expect(checked).resolves.toBeUndefined();
            return;
          }
          const error = await checked.then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(InputError);
          const text = [(error as InputError).message, ...((error as InputError).details ?? [])].join("\n");
          // Each problem names both flags.
          for (const output of outputs) {
            const clash = collisions.find((c) => c.model === output.model);
            if (clash) expect(text).toContain(output.label);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("on a volume that ignores case, X and x not written yet are one file", async () => {
    const { dir } = workspace();
    const outputs = [
      { label: "--junit", file: "Report.xml" },
      { label: "--report-html", file: "report.xml" },
    ];
    await expect(assertOutputPaths(outputs, [], { cwd: dir })).resolves.toBeUndefined();
    await expect(
      assertOutputPaths(outputs, [], { cwd: dir, caseInsensitive: async () => true }),
    ).rejects.toThrow(/--junit and --report-html name the same file/);
  });

  it("a directory, a missing directory: refused with the flag, the path and what to do", async () => {
    const { dir } = workspace();
    await expect(assertOutputPaths([{ label: "--junit", file: "sub" }], [], { cwd: dir })).rejects.toThrow(
      /--junit sub is a directory; name a file in it/,
    );
    await expect(
      assertOutputPaths([{ label: "--result-file", file: "missing/r.json" }], [], { cwd: dir }),
    ).rejects.toThrow(/--result-file missing\/r.json: its directory .*missing does not exist/);
  });

  it("every <file> option of the one declaration says whether commands read or write it", () => {
    const files = (OPTIONS as readonly OptionSpec[]).filter((spec) => spec.flags.includes("<file>"));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const spec of files) expect(spec.file, spec.flags).toMatch(/^(read|written)$/);
  });
});

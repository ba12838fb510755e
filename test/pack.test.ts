import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture, ROOT, SEED_DATE, seedSample, seedWorkspace } from "./helpers/seed.js";

// What a user gets from the registry: `npm pack` builds the one-file bin from a
// clean copy of the sources (prepack), the tarball installs into an empty
// project with no registry at all (the package has no runtime dependencies), and
// the installed bin works from any directory.

const exec = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
  files: string[];
  bin: Record<string, string>;
};

/** npm and the bin run on the Node running the suite; no npm_* variables leak in from `npm test`. */
function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^npm_/i.test(key)) env[key] = value;
  }
  env.PATH = [dirname(process.execPath), process.env.PATH ?? "/usr/bin:/bin"].join(delimiter);
  env.NO_COLOR = "1";
  env.AWS_EC2_METADATA_DISABLED = "true";
  env.npm_config_update_notifier = "false";
  return env;
}

function npm(args: string[], cwd: string) {
  return exec("npm", args, { cwd, env: childEnv(), maxBuffer: 16 * 1024 * 1024 });
}

async function runBin(bin: string, args: string[], cwd: string) {
  try {
    const { stdout, stderr } = await exec(bin, args, { cwd, env: childEnv() });
    return { code: 0, stdout, stderr };
  } catch (error: unknown) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

interface PackEntry {
  filename: string;
  files: { path: string; mode: number }[];
}

const temp = mkdtempSync(join(tmpdir(), "batchinf-pack-"));
const source = join(temp, "source");
const project = join(temp, "project");
let packed: PackEntry;
let bin: string;

beforeAll(async () => {
  // A copy of the checkout without build output, so prepack builds dist from
  // the sources as a publish would, without rewriting the dist/ that the other
  // test files are spawning at the same time.
  cpSync(ROOT, source, {
    recursive: true,
    filter: (path) => {
      const top = relative(ROOT, path).split(/[\\/]/)[0];
      return !["node_modules", "dist", ".git", "coverage", ".bench"].includes(top ?? "");
    },
  });
  // The build tools (esbuild and the bundled libraries); nothing under node_modules reaches the tarball.
  symlinkSync(join(ROOT, "node_modules"), join(source, "node_modules"), "dir");

  const { stdout } = await npm(["pack", "--json", "--pack-destination", temp], source);
  packed = (JSON.parse(stdout) as PackEntry[])[0] as PackEntry;

  mkdirSync(project);
  writeFileSync(join(project, "package.json"), `${JSON.stringify({ name: "consumer", private: true })}\n`);
  // --offline: anything beyond the tarball itself would have to come from a registry and fail here.
  await npm(["install", "--offline", "--no-audit", "--no-fund", join(temp, packed.filename)], project);
  bin = join(project, "node_modules", ".bin", "batchinf");
}, 90_000);

afterAll(() => {
  rmSync(temp, { recursive: true, force: true });
});

describe("npm pack", () => {
  it("holds the bundles, the schema and package.json, and nothing else", () => {
    const paths = packed.files.map((file) => file.path).sort();
    expect(paths).toContain("dist/batchinf.cjs");
    expect(paths).toContain("dist/batchinf-aws.mjs");
    // The CloudWatch Logs half, loaded only when a log is read, and the SDK core it shares with the AWS half.
    expect(paths).toContain("dist/batchinf-logs.mjs");
    expect(paths.some((path) => /^dist\/batchinf-shared-[A-Z0-9]+\.mjs$/.test(path))).toBe(true);
    expect(paths).toContain("schemas/batch-inference-input.schema.json");
    for (const path of paths) {
      expect(path).toMatch(/^(dist\/|schemas\/|package\.json$|README(\.md)?$|LICENSE(\.md|\.txt)?$)/);
    }
    // The bin is executable inside the tarball.
    const binEntry = packed.files.find((file) => file.path === pkg.bin.batchinf);
    expect((binEntry?.mode ?? 0) & 0o111).not.toBe(0);
  });

  it("installs with no runtime dependency: only batchinf lands in node_modules", () => {
    const installed = JSON.parse(
      readFileSync(join(project, "node_modules", "batchinf", "package.json"), "utf8"),
    ) as Record<string, unknown>;
    expect(installed.dependencies ?? {}).toEqual({});
    expect(installed.version).toBe(pkg.version);
    const names = readdirSync(join(project, "node_modules")).filter((name) => !name.startsWith("."));
    expect(names).toEqual(["batchinf"]);
    expect(existsSync(bin)).toBe(true);
  });
});

describe("the installed bin, from another directory", () => {
  it("prints its version", async () => {
    const result = await runBin(bin, ["--version"], tmpdir());
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it("renders the seed's sample with --dry-run", async () => {
    const workspace = seedWorkspace();
    try {
      const result = await runBin(
        bin,
        ["render", "--dry-run", "--ssm-file", "ssm.json", "--date", SEED_DATE],
        workspace,
      );
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual(seedSample());
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  it("validates payload files: 0 when valid, 2 with FILE:LINE:COL when not", async () => {
    const valid = await runBin(bin, ["validate", join(fixture("payloads/valid"), "*.json")], temp);
    expect(valid.code, valid.stderr).toBe(0);

    const invalidFile = fixture("payloads/invalid/month-13.json");
    const invalid = await runBin(bin, ["validate", invalidFile], temp);
    expect(invalid.code).toBe(2);
    expect(invalid.stdout + invalid.stderr).toMatch(
      new RegExp(`${invalidFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+ month`),
    );
  });

  it("prints the schema it validates with", async () => {
    const result = await runBin(bin, ["schema"], temp);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(
      JSON.parse(readFileSync(join(ROOT, "schemas/batch-inference-input.schema.json"), "utf8")),
    );
  });
});

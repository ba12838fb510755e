// Bundle the CLI for a fast cold start with nothing to resolve at run time:
//   dist/batchinf.cjs      the bin: commander, and the commands that call no
//                          AWS (render, validate, schema)
//   dist/batchinf-<command>.mjs  each command that calls AWS (run, wait,
//                          backfill, stop), with the execution core, the
//                          reporters and the SDK; the bin imports the one it runs
//   dist/batchinf-aws.mjs  the AWS session render loads to read SSM (never
//                          with --dry-run or --ssm-file)
//   dist/batchinf-logs.mjs the CloudWatch Logs client (and the Batch one, for
//                          --follow-logs of a running Batch job), loaded only
//                          when a log is read (a failed task's tail, --follow-logs)
//   dist/batchinf-preflight-checks.mjs the Glue, S3, DynamoDB, SNS, EventBridge,
//                          IAM and Lambda clients and preflight's checks, loaded
//                          only when preflight runs (not with --preflight off)
//   dist/batchinf-shared-*.mjs  the code those ES modules share (SDK core, execution core)
// The bundle splits where the program imports a command (src/program.ts
// `await import("./commands/run.js")`): no module below the commands exists
// to make the split possible, so `--version`, `render --dry-run`, `validate`
// and `schema` never parse the SDK (about 700 KB). The package has no
// runtime dependencies.
//
// The bin is CommonJS on purpose: Node starts a CommonJS file measurably
// faster than an ES module (an empty .cjs costs ~1.14x `node -e 0`, an empty
// .mjs ~1.28x on Node 20), and inside it esbuild keeps every dynamically
// imported module lazy, so `--version` evaluates almost nothing. Error
// classes cross from the ES modules into the bin, which carries its own copy:
// src/errors.ts recognises them by a registry-wide symbol, not `instanceof`.
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

/** The modules the bin imports lazily that reach AWS: each its own ES module. */
const AWS_ENTRIES = {
  "batchinf-run": "src/commands/run.ts",
  "batchinf-wait": "src/commands/wait.ts",
  "batchinf-backfill": "src/commands/backfill.ts",
  "batchinf-stop": "src/commands/stop.ts",
  "batchinf-preflight": "src/commands/preflight.ts",
  "batchinf-aws": "src/commands/aws-session.ts",
};

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  legalComments: "linked",
  define: { __BATCHINF_VERSION__: JSON.stringify(pkg.version) },
  // CommonJS packages inside an ES module bundle still call require() for
  // Node built-ins; give them one.
  banner: {
    js: [
      'import { createRequire as __batchinfCreateRequire } from "node:module";',
      "const require = __batchinfCreateRequire(import.meta.url);",
    ].join("\n"),
  },
  logLevel: "warning",
};

/** In the bin, a dynamic import of an AWS entry becomes an import of its sibling ES module. */
const awsEntriesAsSiblings = {
  name: "aws-entries-as-siblings",
  setup(b) {
    const byPath = new Map(Object.entries(AWS_ENTRIES).map(([name, path]) => [resolve(path), name]));
    b.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
      const name = byPath.get(resolve(args.resolveDir, args.path.replace(/\.js$/, ".ts")));
      if (name === undefined) return undefined;
      if (args.kind !== "dynamic-import") {
        return {
          errors: [
            {
              text: `${args.importer} imports ${args.path} statically: it would bundle the AWS SDK into the bin`,
            },
          ],
        };
      }
      return { path: `./${name}.mjs`, external: true };
    });
  },
};

// Chunks are named by their content's hash: without a clean start, every
// build would leave the last one's chunks behind, and npm pack ships dist/.
rmSync("dist", { recursive: true, force: true });

const results = await Promise.all([
  build({
    ...common,
    format: "cjs",
    entryPoints: ["src/cli.ts"],
    outfile: "dist/batchinf.cjs",
    // Bundled ES modules (fdir, via tinyglobby) call createRequire(import.meta.url).
    define: { ...common.define, "import.meta.url": "__batchinfImportMetaUrl" },
    banner: {
      js: '#!/usr/bin/env node\nconst __batchinfImportMetaUrl = require("node:url").pathToFileURL(__filename).href;',
    },
    plugins: [awsEntriesAsSiblings],
    metafile: true,
  }),
  // The AWS commands share the SDK's core (smithy, credentials, retries) and
  // the execution core: split, the shared code lands once in
  // dist/batchinf-shared-*.mjs instead of once per command, and
  // src/aws/load-logs.ts's dynamic import becomes `import("./batchinf-logs.mjs")`.
  build({
    ...common,
    entryPoints: {
      ...AWS_ENTRIES,
      "batchinf-logs": "src/aws/logs.ts",
      "batchinf-preflight-checks": "src/preflight/aws.ts",
    },
    outdir: "dist",
    outExtension: { ".js": ".mjs" },
    splitting: true,
    chunkNames: "batchinf-shared-[hash]",
    metafile: true,
  }),
]);

// The promise of the split, checked on every build: the bin holds no SDK code.
const sdkInBin = Object.keys(results[0].metafile.inputs).filter((input) =>
  /node_modules\/(@aws-sdk|@smithy|@aws-crypto)\//.test(input),
);
if (sdkInBin.length > 0) {
  throw new Error(
    `dist/batchinf.cjs bundles AWS SDK code (${sdkInBin.slice(0, 3).join(", ")}${sdkInBin.length > 3 ? ", ..." : ""}): a module the bin reaches imports it statically; import the command that needs it lazily and list it in AWS_ENTRIES.`,
  );
}

// npm links bins with the mode they have; make the file runnable from a checkout too.
chmodSync("dist/batchinf.cjs", 0o755);

// The bundles carry other people's code: ship their licences with it.
writeFileSync("dist/THIRD-PARTY-NOTICES.txt", thirdPartyNotices(results.map((result) => result.metafile)));

function thirdPartyNotices(metafiles) {
  const packages = new Map();
  for (const metafile of metafiles) {
    for (const input of Object.keys(metafile.inputs)) {
      const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (match && !packages.has(match[1])) packages.set(match[1], readPackage(match[1]));
    }
  }
  const entries = [...packages.values()].sort((a, b) => a.name.localeCompare(b.name));
  return entries
    .map(
      (p) =>
        `${p.name}@${p.version} (${p.license})\n\n${p.text ?? `See https://www.npmjs.com/package/${p.name}`}`,
    )
    .join(`\n\n${"-".repeat(72)}\n\n`);
}

function readPackage(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const licenceFile = readdirSync(dir).find((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name));
  return {
    name: manifest.name,
    version: manifest.version,
    license: typeof manifest.license === "string" ? manifest.license : "see text",
    text:
      licenceFile && existsSync(join(dir, licenceFile))
        ? readFileSync(join(dir, licenceFile), "utf8").trim()
        : undefined,
  };
}

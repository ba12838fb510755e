// Bundle the CLI for a fast cold start with nothing to resolve at run time:
//   dist/batchinf.cjs      the bin: commander, composition, validation, output
//   dist/batchinf-aws.mjs  the AWS SDK and everything that calls it
//   dist/batchinf-logs.mjs the CloudWatch Logs client (and the Batch one, for
//                          --follow-logs of a running Batch job), loaded only
//                          when a log is read (a failed task's tail, --follow-logs)
//   dist/batchinf-preflight.mjs the Glue, S3, DynamoDB, SNS, EventBridge, IAM
//                          and Lambda clients and preflight's checks, loaded
//                          only when preflight runs
//   dist/batchinf-shared-*.mjs  the SDK core the above share
// The bin imports the second file only when a command calls AWS, so
// `--version`, `render --dry-run`, `validate` and `schema` never parse the
// SDK (about 700 KB). The package has no runtime dependencies.
//
// The bin is CommonJS on purpose: Node starts a CommonJS file measurably
// faster than an ES module (an empty .cjs costs ~1.14x `node -e 0`, an empty
// .mjs ~1.28x on Node 20), and inside it esbuild keeps every dynamically
// imported module lazy, so `--version` evaluates almost nothing.
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

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

/**
 * In the bin, src/aws/load.ts's `import("./index.js")` becomes the sibling
 * bundle (and src/aws/load-logs.ts's `import("./logs.js")` the logs bundle,
 * should the bin ever reach it).
 */
const awsAsSibling = {
  name: "aws-as-sibling",
  setup(b) {
    b.onResolve({ filter: /^\.\/index\.js$/ }, (args) =>
      args.importer.endsWith("/src/aws/load.ts") ? { path: "./batchinf-aws.mjs", external: true } : undefined,
    );
    b.onResolve({ filter: /^\.\/aws\.js$/ }, (args) =>
      args.importer.endsWith("/src/preflight/load.ts")
        ? { path: "./batchinf-preflight.mjs", external: true }
        : undefined,
    );
    b.onResolve({ filter: /^\.\/logs\.js$/ }, (args) =>
      args.importer.endsWith("/src/aws/load-logs.ts")
        ? { path: "./batchinf-logs.mjs", external: true }
        : undefined,
    );
  },
};

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
    plugins: [awsAsSibling],
    metafile: true,
  }),
  // The AWS half and the logs half share the SDK's core (smithy, credentials,
  // retries): split, the shared code lands once in dist/batchinf-shared-*.mjs
  // instead of twice (the logs bundle is ~150 KB, ~60 of them the Batch
  // client, rather than ~580 KB), and
  // src/aws/load-logs.ts's dynamic import becomes `import("./batchinf-logs.mjs")`.
  build({
    ...common,
    entryPoints: {
      "batchinf-aws": "src/aws/index.ts",
      "batchinf-logs": "src/aws/logs.ts",
      "batchinf-preflight": "src/preflight/aws.ts",
    },
    outdir: "dist",
    outExtension: { ".js": ".mjs" },
    splitting: true,
    chunkNames: "batchinf-shared-[hash]",
    metafile: true,
  }),
]);

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

// The import rules of src/, checked by `npm run deps` (part of `npm test`, so
// CI fails on a break): no import cycle, and no import from a layer up.
//
// Layers, top to bottom; a module may import its own layer and the ones below:
//   entry     src/cli.ts, src/program.ts: commander wiring, exit codes
//   commands  src/commands/: one module per command, imported lazily by the entry
//   plan      what a command does in steps: the shared plan, backfill, preflight, watch
//   core      the execution core and what it reports: execution, failure, report, tasks
//   base      everything else: AWS calls, sources, input, validation, secrets, io, json
// A folder not named above is base, the strictest place: it may import
// nothing above it until it is given a layer here.
// Type-only imports count: a type that points up ties the layers as a value does.
// A command (a module src/program.ts imports lazily) is imported by no other
// module of src/commands/: what two commands share lives below them (src/plan/)
// or in a helper beside them (frame, follow-shared).

const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const layers = [
  { name: "entry", path: "^src/(cli|program)\\.ts$" },
  { name: "commands", path: "^src/commands/" },
  { name: "plan", path: "^src/(plan|backfill|preflight|watch)/" },
  { name: "core", path: "^src/(execution|failure|report|tasks)/" },
];
const upper = layers.map((layer) => layer.path);

/** For each layer, everything above it is out of bounds. */
const upward = [...layers, { name: "base", pathNot: upper }].slice(1).map((layer, index) => ({
  name: `no-upward-from-${layer.name}`,
  comment: `The ${layer.name} layer imports nothing from ${layers
    .slice(0, index + 1)
    .map((above) => above.name)
    .join(", ")} (see the layers at the top of .dependency-cruiser.cjs).`,
  severity: "error",
  from: layer.path ? { path: layer.path } : { path: "^src/", pathNot: layer.pathNot },
  to: { path: upper.slice(0, index + 1) },
}));

/** The commands, as the program calls them: `(await import("./commands/run.js")).runCommand(...)`. */
const commands = [
  ...readFileSync(join(__dirname, "src/program.ts"), "utf8").matchAll(
    /import\("\.\/commands\/([\w-]+)\.js"\)\)\.\w+Command\b/g,
  ),
].map((match) => match[1]);
if (commands.length === 0) throw new Error("no command imports found in src/program.ts");

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "An import cycle: modules that cannot be understood, tested or bundled apart.",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    ...upward,
    {
      name: "no-command-imports-command",
      comment:
        "A command is imported by the program alone; move what two commands share below them (src/plan/) or into a helper beside them.",
      severity: "error",
      from: { path: "^src/commands/" },
      to: { path: `^src/commands/(${commands.join("|")})\\.ts$` },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    includeOnly: "^src/",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".d.ts", ".js"] },
  },
};

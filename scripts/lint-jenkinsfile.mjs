// Lint the Jenkinsfile with npm-groovy-lint (CodeNarc) on the machine's own Java.
//
// npm-groovy-lint asks java-caller for exactly Java 17 and, when `java` on the
// PATH is another version or missing, downloads a JRE into ~/.java-caller.
// Handing it an absolute java path skips that check and the download, so the
// lint never leaves the machine; it runs CodeNarc once (--noserver) instead of
// leaving a CodeNarc server running in the background.
import { spawnSync } from "node:child_process";
import { accessSync, constants, realpathSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function findJava() {
  const candidates = [];
  if (process.env.JAVA_HOME) candidates.push(join(process.env.JAVA_HOME, "bin", "java"));
  for (const dir of (process.env.PATH ?? "").split(delimiter)) if (dir) candidates.push(join(dir, "java"));
  for (const candidate of candidates) {
    const found = executable(candidate);
    if (found) return found;
  }
  return undefined;
}

const java = findJava();
if (!java) {
  console.error(
    "lint:jenkinsfile: no java on PATH or in JAVA_HOME; CodeNarc needs Java 17 or later " +
      "(Debian: apt-get install -y openjdk-17-jre-headless).",
  );
  process.exit(3);
}
const version = spawnSync(java, ["-version"], { encoding: "utf8" });
console.error(`lint:jenkinsfile: ${java} (${(version.stderr ?? "").split("\n")[0]?.trim()})`);

const files = process.argv.length > 2 ? process.argv.slice(2) : ["Jenkinsfile"];
const lint = spawnSync(
  join(root, "node_modules", ".bin", "npm-groovy-lint"),
  [
    "--noserver",
    "--failon",
    "info",
    "--javaexecutable",
    java,
    "--config",
    join(root, ".groovylintrc.json"),
    ...files,
  ],
  { cwd: root, stdio: "inherit" },
);
// npm-groovy-lint ends its summary without a newline.
process.stdout.write("\n");
if (lint.error) {
  console.error(`lint:jenkinsfile: could not run npm-groovy-lint: ${lint.error.message}`);
  process.exit(3);
}
process.exit(lint.status ?? 1);

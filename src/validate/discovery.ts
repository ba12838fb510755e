import { type Stats, statSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { globSync } from "tinyglobby";
import { InputError } from "../errors.js";
import { clipText } from "../io/one-line.js";

/** A file to validate: where it is, and how reports name it. */
export interface FileRef {
  absolute: string;
  /** Relative to the working directory when inside it, else absolute. */
  display: string;
}

/** Never what a person means by "the payloads under this directory". */
const SKIPPED_DIRECTORIES = ["**/node_modules/**", "**/.git/**"];

/**
 * An argument naming an existing file is taken as is (even if it looks like a
 * glob); an existing directory stands for the .json files under it (outside
 * node_modules and .git); anything else is a glob. An empty argument, and
 * one that matches nothing, are usage errors: a typo'd glob must never pass
 * as "0 files, all valid", and `''` must not mean "every JSON file here".
 */
export function expandPatterns(patterns: readonly string[], cwd: string): FileRef[] {
  if (patterns.length === 0) {
    throw new InputError(
      "Name at least one payload file or glob to validate, e.g. batchinf validate 'payloads/*.json'.",
    );
  }
  if (patterns.some((pattern) => pattern.trim() === "")) {
    throw new InputError(
      "An empty file name or glob was given to validate (an unset variable?); name the payload files, e.g. batchinf validate 'payloads/*.json'.",
    );
  }
  // Synchronous: a CLI has nothing else to do meanwhile, and the async walk
  // costs event-loop round trips per directory.
  const expanded = patterns.map((pattern) => expandOne(pattern, cwd));
  const unmatched = patterns.filter((_, i) => expanded[i]?.length === 0);
  if (unmatched.length > 0) {
    const names = unmatched.map((pattern) => `'${clipText(pattern)}'`).join(", ");
    throw new InputError(
      `No file matches ${names}; check the path or glob (quote globs so the shell does not expand them) and the working directory (${clipText(cwd)}).`,
    );
  }
  const byPath = new Map<string, FileRef>();
  for (const absolute of expanded.flat()) {
    if (!byPath.has(absolute)) byPath.set(absolute, { absolute, display: displayPath(absolute, cwd) });
  }
  return [...byPath.values()].sort((a, b) => (a.display < b.display ? -1 : a.display > b.display ? 1 : 0));
}

function expandOne(pattern: string, cwd: string): string[] {
  const path = resolve(cwd, pattern);
  // statSync: a shell-expanded glob can hand us thousands of paths. A FIFO
  // or device named explicitly is taken too: checking it reports why it is refused.
  const info = statOrUndefined(path);
  if (info?.isDirectory()) {
    const inside = globSync("**/*.json", {
      cwd: path,
      absolute: true,
      onlyFiles: true,
      expandDirectories: false,
      ignore: SKIPPED_DIRECTORIES,
    });
    // A directory with no payload in it (`dir.json/`, a mistake) is a problem of that path, reported
    // with the other files, not a usage error that loses them.
    return inside.length > 0 ? inside : [path];
  }
  if (info) return [path];
  return globSync(pattern, { cwd, absolute: true, onlyFiles: true, expandDirectories: false });
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    // ENOTDIR, EACCES, ENAMETOOLONG...: not a file we can take as is; try it as a glob.
    return undefined;
  }
}

function displayPath(absolute: string, cwd: string): string {
  // The common case, a file below cwd, without path.relative's normalisation (1,000 calls add up).
  const prefix = cwd.endsWith(sep) ? cwd : `${cwd}${sep}`;
  if (absolute.startsWith(prefix) && !absolute.includes(`${sep}..${sep}`)) {
    return absolute.slice(prefix.length).split(sep).join("/");
  }
  const rel = relative(cwd, absolute);
  const outside = rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  return outside ? absolute : rel.split(sep).join("/");
}

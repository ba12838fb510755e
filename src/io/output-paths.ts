import { constants, type Stats } from "node:fs";
import { access, realpath, stat } from "node:fs/promises";
import { basename, dirname, join, parse, resolve } from "node:path";
import { longFlag, OPTIONS, type OptionSpec } from "../cli-options.js";
import { InputError } from "../errors.js";

/** A file named on the command line, with the flag (or variable) that named it. */
export interface NamedFile {
  label: string;
  file: string;
}

export interface OutputPathOptions {
  /** What relative paths are relative to; default the process's working directory. */
  cwd?: string;
  /** Whether names in this (real) directory ignore case; default: probed on the file system. */
  caseInsensitive?: (directory: string) => Promise<boolean>;
}

/**
 * Outputs never overwrite inputs (contract, v3): every output file must be
 * a file (not a directory) in an existing, writable directory, and differ
 * from every other output and every input, compared as the file system
 * sees them: an existing file by device and inode (a symlink, a hard link,
 * `./x` and `x`, a case-insensitive volume's `X` and `x` are all the same
 * file), a file not written yet by its directory's real path and its name.
 * Everything is checked before anything is read or written: one InputError
 * (exit 2) naming each problem, both flags and the path.
 *
 * The mechanism this closes: a command opened its reports by writing a
 * placeholder result file before it read its inputs, so `--result-file
 * tfvars.json --tfvars tfvars.json` destroyed the tfvars and then blamed it.
 */
export async function assertOutputPaths(
  outputs: readonly NamedFile[],
  inputs: readonly NamedFile[],
  options: OutputPathOptions = {},
): Promise<void> {
  const cwd = options.cwd ?? process.cwd();
  const caseInsensitive = options.caseInsensitive ?? probeCaseInsensitive;
  const problems: string[] = [];
  const located = await Promise.all(
    outputs.map(async (output) => ({ ...output, where: await locate(output.file, cwd, caseInsensitive) })),
  );
  for (const { label, file, where } of located) {
    if (where.kind === "directory") {
      problems.push(
        `${label} ${file} is a directory; name a file in it (${join(file, "report")}...) for ${label}.`,
      );
    } else if (where.kind === "no-directory") {
      problems.push(
        `${label} ${file}: its directory ${where.directory} does not exist (or is not a directory); create it or choose another path.`,
      );
    } else if (!(await writable(where.directory))) {
      problems.push(
        `${label} ${file}: its directory ${where.directory} is not writable; choose another path.`,
      );
    }
  }
  const named = located.flatMap(({ where, ...output }) =>
    where.kind === "file" ? [{ ...output, where }] : [],
  );
  for (const [i, output] of named.entries()) {
    for (const other of named.slice(i + 1)) {
      if (sameFile(output.where, other.where)) {
        problems.push(
          `${output.label} and ${other.label} name the same file (${shown(output.where)}): one report would replace the other; give each its own path.`,
        );
      }
    }
  }
  const sources = await Promise.all(
    inputs.map(async (input) => ({ ...input, where: await locate(input.file, cwd, caseInsensitive) })),
  );
  for (const output of named) {
    for (const { where, label } of sources) {
      if (where.kind === "file" && sameFile(output.where, where)) {
        problems.push(
          `${output.label} and ${label} name the same file (${shown(where)}): writing ${output.label} would destroy the input; give ${output.label} another path.`,
        );
      }
    }
  }
  if (problems.length === 0) return;
  const [first, ...rest] = problems as [string, ...string[]];
  throw new InputError(
    rest.length === 0
      ? `${first} Nothing was started.`
      : `${problems.length} problems with the output files. Nothing was started.`,
    rest.length === 0 ? {} : { details: problems },
  );
}

/**
 * The files a command's parsed options name (OptionsOf<C>), by the role
 * their declaration gives them, checked as `assertOutputPaths` checks
 * them; `label` names an option as messages do (its flag, or the variable
 * it came from).
 */
export function assertFilesApart(
  options: object,
  label?: (option: string) => string,
  settings: OutputPathOptions = {},
): Promise<void> {
  const values = options as Readonly<Record<string, unknown>>;
  const named = (role: OptionSpec["file"]) =>
    (OPTIONS as readonly OptionSpec[]).flatMap((spec) => {
      const file = values[spec.name];
      return spec.file === role && typeof file === "string" && file !== ""
        ? [{ label: label?.(spec.name) ?? longFlag(spec), file }]
        : [];
    });
  return assertOutputPaths(named("written"), named("read"), settings);
}

type Location = FileLocation | { kind: "directory" } | { kind: "no-directory"; directory: string };

interface FileLocation {
  kind: "file";
  /** Device and inode of an existing file. */
  inode?: string;
  /** Real directory and name of a file not written yet (its name folded when the directory ignores case). */
  path?: string;
  /** The directory the report is written in (beside the name given: a symlink is replaced, not followed). */
  directory: string;
  /** The real path, for messages. */
  real: string;
}

async function locate(
  file: string,
  cwd: string,
  caseInsensitive: (directory: string) => Promise<boolean>,
): Promise<Location> {
  const absolute = resolve(cwd, file);
  const directory = dirname(absolute);
  const found = await stat(absolute).catch(() => undefined);
  if (found?.isDirectory()) return { kind: "directory" };
  if (found) {
    return {
      kind: "file",
      inode: inodeOf(found),
      directory,
      real: await realpath(absolute).catch(() => absolute),
    };
  }
  const realDirectory = await realpath(directory).catch(() => undefined);
  const isDirectory = realDirectory !== undefined && (await stat(realDirectory)).isDirectory();
  if (realDirectory === undefined || !isDirectory) return { kind: "no-directory", directory };
  const name = basename(absolute);
  const real = join(realDirectory, name);
  const folded = (await caseInsensitive(realDirectory)) ? join(realDirectory, name.toLowerCase()) : real;
  return { kind: "file", path: folded, directory, real };
}

function inodeOf(stats: Stats): string {
  return `${stats.dev}:${stats.ino}`;
}

function sameFile(a: FileLocation, b: FileLocation): boolean {
  return a.inode !== undefined ? a.inode === b.inode : a.path === b.path;
}

function shown(where: FileLocation): string {
  return where.real;
}

async function writable(directory: string): Promise<boolean> {
  return access(directory, constants.W_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Whether a directory's names ignore case (macOS and Windows volumes by
 * default): the deepest component of its path that has a letter, with its
 * case swapped, names the same directory.
 */
async function probeCaseInsensitive(directory: string): Promise<boolean> {
  const { root } = parse(directory);
  const parts = directory.slice(root.length).split(/[\\/]/);
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i] as string;
    const swapped = swapCase(part);
    if (swapped === part) continue;
    const other = join(root, ...parts.slice(0, i), swapped, ...parts.slice(i + 1));
    const [a, b] = await Promise.all([stat(directory), stat(other).catch(() => undefined)]);
    return b !== undefined && inodeOf(a) === inodeOf(b);
  }
  return false;
}

function swapCase(text: string): string {
  return [...text].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join("");
}

import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// The mechanism that let a phase escape the abort in v2: each call site chose
// whether to pass the signal, and the SSM reads, the state machine check, the
// start and the log reads did not. Now every AWS call goes through the one
// `send` of src/aws/send.ts, whose signal is required by its type. This test
// keeps it the one door: a client's `.send(` anywhere else, or an SDK
// paginator (which calls send without a signal), fails here.
const ROOT = join(import.meta.dirname, "..");
const SRC = join(ROOT, "src");
const DOOR = "src/aws/send.ts";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "generated" ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Comments out: a comment may name `.send(` or a paginator. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
}

describe("every AWS call has a signal", () => {
  const files = sourceFiles(SRC).map((path) => ({
    path: relative(ROOT, path),
    code: code(readFileSync(path, "utf8")),
  }));

  it("finds the source (a check that reads nothing passes nothing)", () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.find((file) => file.path === DOOR)?.code).toMatch(
      /client\.send\(command, \{ abortSignal: signal \}\)/,
    );
  });

  it("no client.send( outside src/aws/send.ts", () => {
    const offenders = files
      .filter((file) => file.path !== DOOR && /\.send\s*\(/.test(file.code))
      .map((file) => file.path);
    expect(offenders).toEqual([]);
  });

  it("no SDK paginator (it sends without the signal)", () => {
    const offenders = files.filter((file) => /\bpaginate[A-Z]\w*/.test(file.code)).map((file) => file.path);
    expect(offenders).toEqual([]);
  });

  it("send's signal is required, not optional", () => {
    const door = files.find((file) => file.path === DOOR)?.code ?? "";
    expect(door).toMatch(/signal: AbortSignal,/);
    expect(door).not.toMatch(/signal\?: AbortSignal/);
  });
});

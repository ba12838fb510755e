import { execFileSync } from "node:child_process";
import { lstatSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileAtomic } from "../src/io/atomic-write.js";

describe("writeFileAtomic", () => {
  it("a regular file is replaced whole, by a rename", async () => {
    const dir = mkdtempSync(join(tmpdir(), "atomic-"));
    const file = join(dir, "r.json");
    await writeFileAtomic(file, "one");
    await writeFileAtomic(file, "two");
    expect(readFileSync(file, "utf8")).toBe("two");
  });

  it("a device behind a symlink (--result-file /dev/stdout) is written into, never renamed over (review: as root it replaced /dev/stdout with a file)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "atomic-"));
    const link = join(dir, "stdout");
    symlinkSync("/dev/null", link);
    await writeFileAtomic(link, "{}");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(lstatSync("/dev/null").isCharacterDevice()).toBe(true);
  });

  it("a named pipe gets the text, and stays a pipe", async () => {
    const dir = mkdtempSync(join(tmpdir(), "atomic-"));
    const fifo = join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    const read = readFile(fifo, "utf8");
    await writeFileAtomic(fifo, "report");
    expect(await read).toBe("report");
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });
});

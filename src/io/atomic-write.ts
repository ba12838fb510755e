import { rename, rm, stat, writeFile } from "node:fs/promises";

/**
 * Write a whole file or nothing: Jenkins' archiveArtifacts, junit and
 * publishHTML must never pick up half a file, even when the process is killed
 * while writing. The temporary file sits beside the target (same file system,
 * so the rename is atomic).
 *
 * A target that is not a regular file (a device or a named pipe, directly or
 * behind a symlink: `--result-file /dev/stdout`) is written into: a rename
 * would replace it with a plain file (run as root, /dev/stdout itself).
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const existing = await stat(file).catch(() => undefined);
  if (existing && !existing.isFile() && !existing.isDirectory()) {
    await writeFile(file, text);
    return;
  }
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (error: unknown) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}

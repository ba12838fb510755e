import { rename, rm, writeFile } from "node:fs/promises";

/**
 * Write a whole file or nothing: Jenkins' archiveArtifacts, junit and
 * publishHTML must never pick up half a file, even when the process is killed
 * while writing. The temporary file sits beside the target (same file system,
 * so the rename is atomic).
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (error: unknown) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}

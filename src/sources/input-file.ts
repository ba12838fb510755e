import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { MAX_INPUT_FILE_BYTES } from "../json/limits.js";

/**
 * Reading an input file (--tfvars, --ssm-file, validate's payloads) within
 * the contract's limits: a regular file or an already-open pipe, at most
 * 10 MiB of UTF-8 (a BOM allowed). Everything else is refused at once with
 * the reason, never by hanging: a FIFO nobody writes to is opened without
 * blocking and seen to be empty.
 */

export type InputFileProblem =
  | "missing"
  | "unreadable"
  | "directory"
  | "device"
  | "socket"
  | "fifo-no-writer"
  | "too-large"
  | "utf16"
  | "not-utf8";

export class InputFileError extends Error {
  constructor(
    readonly problem: InputFileProblem,
    /** Why, and what to do, as a clause: "it is a directory; name a JSON file". */
    readonly reason: string,
  ) {
    super(reason);
    this.name = "InputFileError";
  }
}

const LIMIT_TEXT = "10 MiB";
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The file's text, BOM removed; throws InputFileError for every way it breaks the limits. */
export function readInputText(path: string): string {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer
  // forever; on a regular file it changes nothing. One open and one fstat:
  // validate reads a thousand files this way.
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error: unknown) {
    throw fsProblem(error);
  }
  try {
    const info = fstatSync(fd);
    refuseByType(info);
    if (info.isFile()) {
      if (info.size > MAX_INPUT_FILE_BYTES) throw tooLarge(info.size);
      return decode(readFile(fd, info.size));
    }
    return decode(readAll(fd, info.isFIFO()));
  } finally {
    closeSync(fd);
  }
}

/** A regular file in one buffer of its size (one byte more, to notice one that grew past the limit). */
function readFile(fd: number, size: number): Buffer {
  const buffer = Buffer.allocUnsafe(size + 1);
  let total = 0;
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buffer, total, buffer.length - total, null);
    } catch (error: unknown) {
      throw fsProblem(error);
    }
    if (n === 0) return buffer.subarray(0, total);
    total += n;
    if (total === buffer.length) {
      // It grew while read: finish as a stream would, within the limit.
      const rest = readAll(fd, false, total);
      return Buffer.concat([buffer, rest]);
    }
  }
}

function refuseByType(info: Stats): void {
  if (info.isDirectory()) throw new InputFileError("directory", "it is a directory; name a JSON file");
  if (info.isCharacterDevice() || info.isBlockDevice()) {
    throw new InputFileError("device", "it is a device, not a file; name a regular JSON file");
  }
  if (info.isSocket())
    throw new InputFileError("socket", "it is a socket, not a file; name a regular JSON file");
}

/** Read to the end, stopping one byte past the limit. A pipe's EAGAIN means "a writer, no data yet". */
function readAll(fd: number, pipe: boolean, already = 0): Buffer {
  const chunks: Buffer[] = [];
  let total = already;
  const chunk = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code === "EAGAIN") {
        pause(5);
        continue;
      }
      throw fsProblem(error);
    }
    if (n === 0) break;
    chunks.push(Buffer.from(chunk.subarray(0, n)));
    total += n;
    if (total > MAX_INPUT_FILE_BYTES) throw tooLarge(total, true);
  }
  if (pipe && total === 0) {
    throw new InputFileError(
      "fifo-no-writer",
      "it is a named pipe (FIFO) with no writer, or one that sent nothing; start the writer first or name a regular file",
    );
  }
  return Buffer.concat(chunks, total - already);
}

const pauseCell = new Int32Array(new SharedArrayBuffer(4));
function pause(ms: number): void {
  Atomics.wait(pauseCell, 0, 0, ms);
}

function decode(bytes: Buffer): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new InputFileError(
      "utf16",
      "it is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8",
    );
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    throw new InputFileError(
      "utf16",
      `it holds NUL bytes (the first at byte ${nul}), as UTF-16 text does; save it as UTF-8`,
    );
  }
  try {
    // TextDecoder drops a leading UTF-8 BOM itself.
    return decoder.decode(bytes);
  } catch {
    throw new InputFileError(
      "not-utf8",
      `it is not valid UTF-8 (near byte ${firstInvalidByte(bytes)}); save it as UTF-8`,
    );
  }
}

function firstInvalidByte(bytes: Buffer): number {
  // Halve towards the first prefix that fails to decode: a handful of decodes, not one per byte.
  let good = 0;
  let bad = bytes.length;
  while (bad - good > 4) {
    const mid = Math.floor((good + bad) / 2);
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      good = mid;
    } catch {
      bad = mid;
    }
  }
  return good;
}

function tooLarge(bytes: number, atLeast = false): InputFileError {
  return new InputFileError(
    "too-large",
    `it is ${atLeast ? "more than " : ""}${bytes} bytes; input files are limited to ${LIMIT_TEXT} (${MAX_INPUT_FILE_BYTES} bytes)`,
  );
}

function fsProblem(error: unknown): InputFileError {
  switch ((error as NodeJS.ErrnoException).code) {
    case "ENOENT":
    case "ENOTDIR":
      return new InputFileError("missing", "no such file");
    case "EACCES":
    case "EPERM":
      return new InputFileError("unreadable", "permission denied");
    case "EISDIR":
      return new InputFileError("directory", "it is a directory; name a JSON file");
    case "ENXIO":
      // open(2) on a Unix socket.
      return new InputFileError("socket", "it is a socket, not a file; name a regular JSON file");
    default:
      return new InputFileError("unreadable", error instanceof Error ? error.message : String(error));
  }
}

/**
 * Creating a pool file on disk: parent directories, a free-space check, a fully written
 * temporary file (header, empty state, zeroed index and ring), then a hard link into place.
 *
 * Invariants: an existing file is never truncated or replaced (the link fails with EEXIST →
 * AlreadyExists); a pool appears under its name only complete and synced; the temporary file is
 * removed on every path; every byte is written up front, so the pool never grows, never hits
 * ENOSPC mid-append, and appends skip the file system's block allocation.
 */
import * as fs from "node:fs";
import { basename, dirname, join } from "node:path";
import { fromSystemError, SpoolError } from "../errors.js";
import {
  emptyState,
  encodeLayout,
  encodeState,
  HEADER_SIZE,
  type PoolLayout,
  STATE_SLOT_OFFSETS,
} from "../format/header.js";

/** Writes a new pool file with `layout` at `path`. */
export function createPoolFile(path: string, layout: PoolLayout): void {
  try {
    fs.mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EEXIST" || code === "ENOTDIR") {
      throw new SpoolError("Usage", `cannot create ${path}: a parent path is not a directory`, {
        path,
        hint: "pick a pool directory whose parents are directories",
        cause: error,
      });
    }
    throw fromSystemError(error, dirname(path), "create directory");
  }
  // Answer for an existing name before any byte is written (the link below still decides a
  // race with another creator): a full disk must not turn AlreadyExists into Io.
  if (fs.existsSync(path)) throw alreadyExists(path);
  ensureFreeSpace(dirname(path), layout.fileSize, path);
  const temp = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`,
  );
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, "wx", 0o644);
    const header = Buffer.alloc(HEADER_SIZE);
    encodeLayout(header, layout);
    const state = emptyState();
    encodeState(header, STATE_SLOT_OFFSETS[1], state);
    writeFully(fd, header, HEADER_SIZE, 0);
    // Write every byte now: the pool never grows, never hits ENOSPC mid-append, and appends
    // skip the file system's block allocation.
    const zeros = Buffer.alloc(Math.min(layout.fileSize - HEADER_SIZE, 1 << 20));
    for (let at = HEADER_SIZE; at < layout.fileSize; at += zeros.length) {
      writeFully(fd, zeros, Math.min(zeros.length, layout.fileSize - at), at);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.linkSync(temp, path);
    syncDirectory(dirname(path));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EEXIST") throw alreadyExists(path, error);
    throw fromSystemError(error, path, "create");
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
  }
}

function alreadyExists(path: string, cause?: unknown): SpoolError {
  return new SpoolError("AlreadyExists", `pool already exists: ${path}`, {
    path,
    hint: "open the existing pool, delete it first, or pick another name",
    cause,
  });
}

/** Makes a new directory entry durable (best effort: some file systems refuse to sync dirs). */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // durability of the name is best effort; the pool itself is already synced
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Writes `length` bytes of `buf` at `position`, looping over short writes (errors throw). */
function writeFully(fd: number, buf: Buffer, length: number, position: number): void {
  for (let done = 0; done < length; ) {
    const n = fs.writeSync(fd, buf, done, length - done, position + done);
    if (n <= 0) throw Object.assign(new Error("short write"), { code: "EIO" });
    done += n;
  }
}

/** Refuses (Io) to create a pool the file system has no room for: every byte is written at create. */
function ensureFreeSpace(dir: string, bytes: number, path: string): void {
  let free: number;
  try {
    const stats = fs.statfsSync(dir);
    free = stats.bavail * stats.bsize;
  } catch {
    return; // unknown: the writes below report ENOSPC if it comes to that
  }
  if (free < bytes) {
    throw new SpoolError(
      "Io",
      `not enough free space for a pool of ${bytes} bytes (${free} bytes free)`,
      {
        path,
        hint: "pick a smaller --size or free disk space; pools are fully written when created",
      },
    );
  }
}

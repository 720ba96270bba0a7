/**
 * Creating a pool file on disk: parent directories, a free-space check, a fully written
 * temporary file (header, empty state, zeroed index and ring), then a hard link into place.
 *
 * The procedure is written once, as a generator of file-system steps (`creationSteps`), and run
 * by one of two drivers: `createPoolFile` runs each step with synchronous calls (the CLI and
 * in-process users), `createPoolFileAsync` with libuv's threadpool (fs callbacks), so a server's
 * event loop keeps answering while a large pool's bytes are written and synced.
 *
 * Invariants: an existing file is never truncated or replaced (the link fails with EEXIST →
 * AlreadyExists); a pool appears under its name only complete and synced; the temporary file is
 * removed on every path, and one left by a creator that was killed (its pid no longer exists) is
 * removed by the next create of the same pool; every byte is written up front, so the pool never grows, never hits
 * ENOSPC mid-append, and appends skip the file system's block allocation. Both drivers run the
 * same steps in the same order, so they keep the same rules.
 */
import * as fs from "node:fs";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import { fromSystemError, SpoolError } from "../errors.js";
import {
  emptyState,
  encodeLayout,
  encodeState,
  HEADER_SIZE,
  type PoolLayout,
  STATE_SLOT_OFFSETS,
} from "../format/header.js";
import { encodeLedgerDescriptor } from "../format/ledger.js";
import { loadNative } from "./native.js";

/** Bytes of zeros written per step. */
const ZERO_CHUNK = 1 << 20;

/** One file-system call of the creation procedure; each driver knows how to run it. */
type Step =
  | { op: "mkdir"; path: string }
  | { op: "exists"; path: string }
  | { op: "freeBytes"; path: string }
  | { op: "open"; path: string; flags: "wx" | "r"; mode: number }
  | { op: "write"; fd: number; buf: Buffer; offset: number; length: number; position: number }
  | { op: "fsync"; fd: number }
  | { op: "close"; fd: number }
  | { op: "link"; from: string; to: string }
  | { op: "remove"; path: string }
  | { op: "list"; path: string };

type Steps<R> = Generator<Step, R, unknown>;

/** Yields `step` and hands back what the driver answered (typed by the caller). */
function* run<R>(step: Step): Steps<R> {
  return (yield step) as R;
}

/** Writes a new pool file with `layout` at `path`, with synchronous calls. */
export function createPoolFile(path: string, layout: PoolLayout): void {
  loadNative(); // an unusable install fails here, before any file is written
  const steps = creationSteps(path, layout);
  let next = steps.next();
  while (!next.done) {
    let result: unknown;
    try {
      result = runSync(next.value);
    } catch (error) {
      next = steps.throw(error);
      continue;
    }
    next = steps.next(result);
  }
}

/**
 * Writes a new pool file with `layout` at `path` without blocking the event loop: every write,
 * sync and link runs on libuv's threadpool, and the loop runs between them.
 */
export async function createPoolFileAsync(path: string, layout: PoolLayout): Promise<void> {
  loadNative(); // an unusable install fails here, before any file is written
  const steps = creationSteps(path, layout);
  let next = steps.next();
  while (!next.done) {
    let result: unknown;
    try {
      result = await runAsync(next.value);
    } catch (error) {
      next = steps.throw(error);
      continue;
    }
    next = steps.next(result);
  }
}

/** The creation procedure (format spec §11), as steps for a driver. */
function* creationSteps(path: string, layout: PoolLayout): Steps<void> {
  const dir = dirname(path);
  try {
    yield* run({ op: "mkdir", path: dir });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EEXIST" || code === "ENOTDIR") {
      throw new SpoolError("Usage", `cannot create ${path}: a parent path is not a directory`, {
        path,
        hint: "pick a pool directory whose parents are directories",
        cause: error,
      });
    }
    throw fromSystemError(error, dir, "create directory");
  }
  yield* removeStaleTemps(dir, basename(path));
  // Answer for an existing name before any byte is written (the link below still decides a
  // race with another creator): a full disk must not turn AlreadyExists into Io.
  if (yield* run<boolean>({ op: "exists", path })) throw alreadyExists(path);
  const free = yield* run<number | undefined>({ op: "freeBytes", path: dir });
  if (free !== undefined && free < layout.fileSize) {
    throw new SpoolError(
      "Io",
      `not enough free space for a pool of ${layout.fileSize} bytes (${free} bytes free)`,
      {
        path,
        hint: "pick a smaller --size or free disk space; pools are fully written when created",
      },
    );
  }
  const temp = join(dir, tempName(basename(path), process.pid));
  let fd: number | undefined;
  try {
    fd = yield* run<number>({ op: "open", path: temp, flags: "wx", mode: 0o644 });
    const header = Buffer.alloc(HEADER_SIZE);
    encodeLayout(header, layout);
    if (layout.ledger) encodeLedgerDescriptor(header, layout.ledger);
    encodeState(header, STATE_SLOT_OFFSETS[1], emptyState());
    yield* writeFully(fd, header, HEADER_SIZE, 0);
    // Write every byte now: the pool never grows, never hits ENOSPC mid-append, and appends
    // skip the file system's block allocation.
    const zeros = Buffer.alloc(Math.min(layout.fileSize - HEADER_SIZE, ZERO_CHUNK));
    for (let at = HEADER_SIZE; at < layout.fileSize; at += zeros.length) {
      yield* writeFully(fd, zeros, Math.min(zeros.length, layout.fileSize - at), at);
    }
    yield* run({ op: "fsync", fd });
    const closing = fd;
    fd = undefined;
    yield* run({ op: "close", fd: closing });
    yield* run({ op: "link", from: temp, to: path });
    yield* syncDirectory(dir);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EEXIST") throw alreadyExists(path, error);
    throw fromSystemError(error, path, "create");
  } finally {
    if (fd !== undefined) yield* run({ op: "close", fd });
    yield* run({ op: "remove", path: temp });
  }
}

/** The temporary file a creator with `pid` writes before linking `base` into place. */
function tempName(base: string, pid: number): string {
  return `.${base}.${pid}.${Math.random().toString(36).slice(2)}.tmp`;
}

/** The creator's pid when `name` is a temporary file of a create of `base`, else undefined. */
export function tempCreatorPid(name: string, base: string): number | undefined {
  const prefix = `.${base}.`;
  if (!name.startsWith(prefix) || !name.endsWith(".tmp")) return undefined;
  const match = /^(\d{1,10})\.[0-9a-z]+\.tmp$/.exec(name.slice(prefix.length));
  return match ? Number(match[1]) : undefined;
}

/** True unless the process `pid` is known not to exist (EPERM: it exists, owned by another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code !== "ESRCH";
  }
}

/**
 * Removes the temporary files of earlier creates of the same pool whose creator died before
 * removing them (killed mid-write, a full pool's size each). A live creator's file, ours or
 * another process's, is left alone; a failure to list or remove never fails this create.
 */
function* removeStaleTemps(dir: string, base: string): Steps<void> {
  let names: string[];
  try {
    names = yield* run<string[]>({ op: "list", path: dir });
  } catch {
    return;
  }
  for (const name of names) {
    const pid = tempCreatorPid(name, base);
    if (pid === undefined || pid === process.pid || processAlive(pid)) continue;
    try {
      yield* run({ op: "remove", path: join(dir, name) });
    } catch {
      // another creator removed it first, or it is not ours to remove: the create goes on
    }
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
function* syncDirectory(dir: string): Steps<void> {
  let fd: number | undefined;
  try {
    fd = yield* run<number>({ op: "open", path: dir, flags: "r", mode: 0 });
    yield* run({ op: "fsync", fd });
  } catch {
    // durability of the name is best effort; the pool itself is already synced
  } finally {
    if (fd !== undefined) {
      try {
        yield* run({ op: "close", fd });
      } catch {
        // the descriptor is gone either way
      }
    }
  }
}

/** Writes `length` bytes of `buf` at `position`, looping over short writes (errors throw). */
function* writeFully(fd: number, buf: Buffer, length: number, position: number): Steps<void> {
  for (let done = 0; done < length; ) {
    const n = yield* run<number>({
      op: "write",
      fd,
      buf,
      offset: done,
      length: length - done,
      position: position + done,
    });
    if (n <= 0) throw Object.assign(new Error("short write"), { code: "EIO" });
    done += n;
  }
}

/** Free bytes available to unprivileged users. */
function freeOf(stats: fs.StatsFs): number {
  return stats.bavail * stats.bsize;
}

function runSync(step: Step): unknown {
  switch (step.op) {
    case "mkdir":
      return fs.mkdirSync(step.path, { recursive: true });
    case "exists":
      return fs.existsSync(step.path);
    case "freeBytes":
      try {
        return freeOf(fs.statfsSync(step.path));
      } catch {
        return undefined; // unknown: the writes report ENOSPC if it comes to that
      }
    case "open":
      return fs.openSync(step.path, step.flags, step.mode);
    case "write":
      return fs.writeSync(step.fd, step.buf, step.offset, step.length, step.position);
    case "fsync":
      return fs.fsyncSync(step.fd);
    case "close":
      return fs.closeSync(step.fd);
    case "link":
      return fs.linkSync(step.from, step.to);
    case "remove":
      return fs.rmSync(step.path, { force: true });
    case "list":
      return fs.readdirSync(step.path);
  }
}

const openAsync = promisify(fs.open);
const writeAsync = promisify(fs.write);
const fsyncAsync = promisify(fs.fsync);
const closeAsync = promisify(fs.close);

async function runAsync(step: Step): Promise<unknown> {
  switch (step.op) {
    case "mkdir":
      return fs.promises.mkdir(step.path, { recursive: true });
    case "exists":
      return fs.promises.access(step.path).then(
        () => true,
        () => false,
      );
    case "freeBytes":
      return fs.promises.statfs(step.path).then(freeOf, () => undefined);
    case "open":
      return openAsync(step.path, step.flags, step.mode);
    case "write":
      return (await writeAsync(step.fd, step.buf, step.offset, step.length, step.position))
        .bytesWritten;
    case "fsync":
      return fsyncAsync(step.fd);
    case "close":
      return closeAsync(step.fd);
    case "link":
      return fs.promises.link(step.from, step.to);
    case "remove":
      return fs.promises.rm(step.path, { force: true });
    case "list":
      return fs.promises.readdir(step.path);
  }
}

/**
 * Pool references and pool directories: resolving `NAME`, `path/with/slash` and
 * `http(s)://host:port/NAME`, and the directory-level operations create, open, list and delete.
 *
 * Invariants: a bare name resolves to `POOL_DIR/NAME.spool` and is validated (no separators, no
 * `..`, no NUL, bounded length); the pool directory is `--dir`, else SPOOL_DIR, else
 * `~/.spool/pools`; list never fails because one pool is unreadable (that pool carries its
 * error); delete refuses with Busy while a writer holds the pool's lock.
 */
import * as fs from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { fromSystemError, isSpoolError, SpoolError, type SpoolErrorJson } from "./errors.js";
import { POOL_MAGIC } from "./format/header.js";
import { PoolFile } from "./platform/file.js";
import { isLockFree, isUnused } from "./platform/lock.js";
import { type CreateOptions, type OpenOptions, Pool, type PoolInfo, poolNameOf } from "./pool.js";
import { validatePoolName } from "./validate.js";

export const POOL_EXTENSION = ".spool";

/** A resolved pool reference. */
export type PoolRef =
  | { kind: "local"; name: string; path: string }
  | { kind: "remote"; name: string; baseUrl: string; url: string };

/** Where pools live: `dir` if given, else SPOOL_DIR, else ~/.spool/pools. */
export function defaultPoolDir(dir?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (dir !== undefined && dir !== "") return resolve(dir);
  if (env.SPOOL_DIR) return resolve(env.SPOOL_DIR);
  return join(homedir(), ".spool", "pools");
}

/**
 * Resolves a pool reference.
 *
 * @example
 * resolvePoolRef("build", { dir: "/tmp/pools" }) // { kind: "local", name: "build", path: "/tmp/pools/build.spool" }
 */
export function resolvePoolRef(ref: string, options: { dir?: string | undefined } = {}): PoolRef {
  if (typeof ref !== "string" || ref.length === 0) validatePoolName(ref);
  if (/^https?:\/\//i.test(ref)) {
    let url: URL;
    try {
      url = new URL(ref);
    } catch (error) {
      throw new SpoolError("Usage", `invalid pool URL: ${ref}`, {
        hint: "use http(s)://host:port/NAME",
        cause: error,
      });
    }
    const segments = url.pathname.split("/");
    const raw = segments.pop() ?? "";
    let name: string;
    try {
      name = decodeURIComponent(raw);
    } catch (error) {
      throw new SpoolError("Usage", `invalid pool name in URL: ${raw}`, {
        hint: "use http(s)://host:port/NAME",
        cause: error,
      });
    }
    name = validatePoolName(name);
    const baseUrl = `${url.origin}${segments.join("/")}`;
    return { kind: "remote", name, baseUrl, url: `${baseUrl}/${encodeURIComponent(name)}` };
  }
  if (ref.includes("\0")) validatePoolName(ref);
  if (ref.includes("/") || ref.includes("\\")) {
    const path = resolve(ref);
    return { kind: "local", name: poolNameOf(path), path };
  }
  const name = validatePoolName(ref);
  return {
    kind: "local",
    name,
    path: join(defaultPoolDir(options.dir), `${name}${POOL_EXTENSION}`),
  };
}

function localPath(ref: string, dir: string | undefined): string {
  const resolved = resolvePoolRef(ref, { dir });
  if (resolved.kind !== "local") {
    throw new SpoolError("Usage", `${ref} is a remote pool; this operation needs a local pool`, {
      hint: "use the HTTP client (or the CLI's remote support) for http(s):// pools",
    });
  }
  return resolved.path;
}

/**
 * Creates a pool by reference (name or path). AlreadyExists if it exists.
 *
 * @example
 * const pool = createPool("build", { dir: "/tmp/pools", size: "1M" });
 */
export function createPool(
  ref: string,
  options: CreateOptions & { dir?: string | undefined } = {},
): Pool {
  return Pool.create(localPath(ref, options.dir), options);
}

/**
 * `createPool` without blocking the event loop: the file is written and synced on libuv's
 * threadpool (see `Pool.createAsync`). Same rules and errors.
 *
 * @example
 * const pool = await createPoolAsync("archive", { dir: "/var/lib/spool", size: "1G" });
 */
export async function createPoolAsync(
  ref: string,
  options: CreateOptions & { dir?: string | undefined } = {},
): Promise<Pool> {
  return Pool.createAsync(localPath(ref, options.dir), options);
}

/**
 * Opens a pool by reference (name or path). NotFound if it does not exist.
 *
 * @example
 * const pool = openPool("build");
 */
export function openPool(
  ref: string,
  options: OpenOptions & { dir?: string | undefined } = {},
): Pool {
  return Pool.open(localPath(ref, options.dir), options);
}

/** One entry of a pool listing. */
export interface PoolListEntry {
  name: string;
  path: string;
  info?: PoolInfo;
  error?: SpoolErrorJson;
}

/**
 * Lists the pools (`*.spool` files) of a directory, sorted by name; unreadable pools are listed
 * with their error. A missing directory lists as empty.
 */
export function listPools(options: { dir?: string | undefined } = {}): PoolListEntry[] {
  const dir = defaultPoolDir(options.dir);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return [];
    throw fromSystemError(error, dir, "list");
  }
  const entries: PoolListEntry[] = [];
  for (const file of names.sort()) {
    if (!file.endsWith(POOL_EXTENSION) || file.startsWith(".")) continue;
    const path = join(dir, file);
    const name = poolNameOf(path);
    try {
      const pool = Pool.open(path, { readOnly: true });
      try {
        entries.push({ name, path, info: pool.info() });
      } finally {
        pool.close();
      }
    } catch (error) {
      const spoolError = isSpoolError(error) ? error : fromSystemError(error, path, "open");
      entries.push({ name, path, error: spoolError.toJSON() });
    }
  }
  return entries;
}

/**
 * Deletes a pool file. NotFound if absent; Busy while any process has the pool open (or, with
 * `force`, while a writer is mid-append); Usage for a file that is neither named `*.spool` nor
 * starts with the pool magic.
 */
export function deletePool(
  ref: string,
  options: { dir?: string | undefined; force?: boolean } = {},
): void {
  const path = localPath(ref, options.dir);
  let file: PoolFile;
  try {
    file = PoolFile.open(path, true);
  } catch (error) {
    if (isSpoolError(error, "NotFound")) {
      throw new SpoolError("NotFound", `pool not found: ${path}`, {
        path,
        hint: "check the name and --dir / SPOOL_DIR",
        cause: error,
      });
    }
    throw error;
  }
  try {
    if (!path.endsWith(POOL_EXTENSION)) {
      const magic = Buffer.alloc(POOL_MAGIC.length);
      // Only a regular file can be a pool (a positioned read of a FIFO fails with ESPIPE).
      if (fs.fstatSync(file.fd).isFile()) file.readSome(magic, 0, magic.length, 0);
      if (!magic.equals(POOL_MAGIC)) {
        throw new SpoolError("Usage", `refusing to delete ${path}: it is not a Spool pool`, {
          path,
          hint: "only pool files (named *.spool or starting with Spool's magic) can be deleted",
        });
      }
    }
    if (!isLockFree(file.fd)) {
      throw new SpoolError("Busy", `pool is being written: ${path}`, {
        path,
        hint: "retry when the writer is done",
      });
    }
    if (options.force !== true && !isUnused(file.fd)) {
      throw new SpoolError("Busy", `pool is open in another process: ${path}`, {
        path,
        hint: "stop the processes that write or follow it (feed, follow, tap, duplex), then retry; a forced delete (`spool pool delete --force`) loses their later messages",
      });
    }
    fs.unlinkSync(path);
  } catch (error) {
    throw fromSystemError(error, path, "delete");
  } finally {
    file.close();
  }
}

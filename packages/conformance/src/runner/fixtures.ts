/**
 * Fixture ops (`fs.*`): what the runner itself does to the session's files between surface
 * steps, identically for every driver: write bytes into a pool file, write a plain file, make a
 * file or directory unwritable, hold a pool open from another process.
 *
 * Invariants: fixtures touch only the session's temporary root; every change is undone when the
 * session ends (holders released, modes and immutable flags restored), also on process exit; a
 * fixture that cannot be set up here (file modes do not bind root and `chattr +i` is missing)
 * is skipped with the reason, never faked.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { isAbsolute, join } from "node:path";
import type { Outcome } from "../drivers/types.js";
import { childScript } from "../process.js";

/** Paths made immutable and not yet restored (restored on process exit as a last resort). */
const immutable = new Set<string>();
let exitHook = false;

function chattr(flag: "+i" | "-i", path: string): boolean {
  const r = spawnSync("chattr", [flag, path], { timeout: 5_000, stdio: "ignore" });
  return r.status === 0;
}

function restoreAll(): void {
  for (const path of immutable) chattr("-i", path);
  immutable.clear();
}

function isDenied(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === "EACCES" || code === "EPERM" || code === "EROFS";
}

/** The state fixtures keep for one session. */
export class Fixtures {
  readonly #root: string;
  readonly #poolDir: string;
  readonly #undo: (() => void)[] = [];
  readonly #holders = new Map<string, ChildProcess>();

  constructor(root: string, poolDir: string) {
    this.#root = root;
    this.#poolDir = poolDir;
  }

  /** A pool reference as a file path: names resolve in the pool dir, paths are used as is. */
  poolPath(ref: string): string {
    if (ref.includes("/")) return isAbsolute(ref) ? ref : join(this.#poolDir, ref);
    return join(this.#poolDir, `${ref}.spool`);
  }

  #inRoot(path: string): string {
    const full = isAbsolute(path) ? path : join(this.#poolDir, path);
    if (!full.startsWith(`${this.#root}/`))
      throw new Error(`fixture path outside the session: ${path}`);
    return full;
  }

  /** Makes `path` refuse writes; returns a skip reason when that is impossible here. */
  #deny(path: string, probe: () => boolean, mode: number): string | undefined {
    const original = fs.statSync(path).mode & 0o7777;
    fs.chmodSync(path, mode);
    this.#undo.push(() => fs.chmodSync(path, original));
    if (probe()) return undefined;
    if (chattr("+i", path)) {
      immutable.add(path);
      if (!exitHook) {
        exitHook = true;
        process.once("exit", restoreAll);
      }
      this.#undo.push(() => {
        chattr("-i", path);
        immutable.delete(path);
      });
      if (probe()) return undefined;
    }
    return "cannot make a path unwritable here: file modes do not bind this user (root) and `chattr +i` is unavailable or has no effect on this file system";
  }

  async run(
    op: string,
    pool: string | undefined,
    input: Record<string, unknown>,
  ): Promise<Outcome> {
    switch (op) {
      case "fs.write_bytes": {
        const path = this.#inRoot(this.poolPath(String(pool)));
        const bytes = Buffer.from(String(input.hex), "hex");
        const fd = fs.openSync(path, "r+");
        try {
          fs.writeSync(fd, bytes, 0, bytes.length, Number(input.offset));
        } finally {
          fs.closeSync(fd);
        }
        return { status: "ok", result: { path } };
      }
      case "fs.truncate": {
        const path = this.#inRoot(this.poolPath(String(pool)));
        fs.truncateSync(path, Number(input.size));
        return { status: "ok", result: { path } };
      }
      case "fs.write_file": {
        const path = this.#inRoot(String(input.path));
        fs.mkdirSync(join(path, ".."), { recursive: true });
        fs.writeFileSync(path, String(input.text ?? ""));
        return { status: "ok", result: { path } };
      }
      case "fs.mkdir": {
        const path = this.#inRoot(String(input.path));
        fs.mkdirSync(path, { recursive: true });
        return { status: "ok", result: { path } };
      }
      case "fs.deny_write": {
        const path = this.#inRoot(this.poolPath(String(pool)));
        const reason = this.#deny(
          path,
          () => {
            try {
              fs.closeSync(fs.openSync(path, "r+"));
              return false;
            } catch (error) {
              if (isDenied(error)) return true;
              throw error;
            }
          },
          0o444,
        );
        return reason ? { status: "skipped", reason } : { status: "ok", result: { path } };
      }
      case "fs.unwritable_dir": {
        const path = this.#inRoot(String(input.path));
        fs.mkdirSync(path, { recursive: true });
        const reason = this.#deny(
          path,
          () => {
            const probe = join(path, ".probe");
            try {
              fs.mkdirSync(probe);
              fs.rmdirSync(probe);
              return false;
            } catch (error) {
              if (isDenied(error)) return true;
              throw error;
            }
          },
          0o555,
        );
        return reason ? { status: "skipped", reason } : { status: "ok", result: { path } };
      }
      case "fs.hold_open":
        return this.#hold(this.poolPath(String(pool)));
      case "fs.release": {
        const path = this.poolPath(String(pool));
        await this.#release(path);
        return { status: "ok", result: { path } };
      }
      default:
        return { status: "skipped", reason: `the runner does not know fixture ${op}` };
    }
  }

  async #hold(path: string): Promise<Outcome> {
    const child = spawn(process.execPath, [childScript(), "hold", path], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.#holders.set(path, child);
    const ready = await new Promise<string | undefined>((resolve) => {
      let out = "";
      let err = "";
      const timer = setTimeout(() => resolve("the holder did not get ready within 10 s"), 10_000);
      child.stdout?.setEncoding("utf8").on("data", (d: string) => {
        out += d;
        if (out.includes("ready\n")) {
          clearTimeout(timer);
          resolve(undefined);
        }
      });
      child.stderr?.setEncoding("utf8").on("data", (d: string) => {
        err += d;
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve(`the holder exited (${code}): ${err.trim()}`);
      });
    });
    if (ready !== undefined) {
      await this.#release(path);
      throw new Error(`fs.hold_open ${path}: ${ready}`);
    }
    return { status: "ok", result: { path } };
  }

  async #release(path: string): Promise<void> {
    const child = this.#holders.get(path);
    if (!child) return;
    this.#holders.delete(path);
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
      }, 5_000);
      child.on("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.stdin?.end();
    });
  }

  /** Undoes every fixture (release holders, restore modes and flags). */
  async close(): Promise<void> {
    for (const path of [...this.#holders.keys()]) await this.#release(path);
    for (const undo of this.#undo.reverse()) {
      try {
        undo();
      } catch {
        // best effort: the file may be gone already
      }
    }
    this.#undo.length = 0;
  }
}

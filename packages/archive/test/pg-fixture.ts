/**
 * Test fixture: a throwaway PostgreSQL 15 cluster (initdb + pg_ctl from the machine's
 * /usr/lib/postgresql/15/bin, or $PG_BIN) in a temp dir, listening on a free port of 127.0.0.1
 * only, with trust authentication for the `postgres` role; started for a suite and stopped (and
 * its dir removed) after it. PostgreSQL refuses to run as root, so a root test process runs the
 * binaries as `nobody` through runuser, on a temp dir chowned to it.
 *
 * Invariants: nothing listens beyond 127.0.0.1; the cluster is stopped by pg_ctl on its own data
 * dir (never by a process name); without the binaries (or runuser as root) the suites skip with
 * ONE loud line, and in CI (`CI=true`) that is a failure.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe } from "vitest";

const BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";
const IS_ROOT = process.getuid?.() === 0;
const RUNUSER = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].find((p) =>
  existsSync(p),
);
const NOBODY = { uid: 65534, gid: 65534 };

export const MISSING_LINE = `!!! PostgreSQL 15 not found in ${BIN} (or no runuser to drop root): the archive tests are SKIPPED; install it with \`apt-get install postgresql-15\` !!!`;

function present(): boolean {
  const ok =
    existsSync(join(BIN, "initdb")) && existsSync(join(BIN, "pg_ctl")) && (!IS_ROOT || !!RUNUSER);
  if (ok) return true;
  if (process.env.CI === "true") throw new Error(`${MISSING_LINE} (CI=true: this is a failure)`);
  console.warn(MISSING_LINE);
  return false;
}

export const PG_PRESENT = present();

export function describePg(name: string, body: () => void): void {
  describe.skipIf(!PG_PRESENT)(name, body);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function run(tool: string, args: string[]): string {
  const path = join(BIN, tool);
  const [cmd, argv] = IS_ROOT
    ? [RUNUSER as string, ["-u", "nobody", "--", path, ...args]]
    : [path, args];
  return execFileSync(cmd, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

export interface PgFixture {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`. */
  url: string;
  port: number;
  /** Stops the server (fast shutdown: connections are cut) and starts it again on the same port. */
  restart(): void;
  stopServer(): void;
  startServer(): void;
  stop(): void;
}

/** Starts a fresh cluster; throws with the server's log when it cannot start. */
export async function startPostgres(): Promise<PgFixture> {
  const root = mkdtempSync(join(tmpdir(), "spool-pg-"));
  chmodSync(root, 0o755);
  if (IS_ROOT) chownSync(root, NOBODY.uid, NOBODY.gid);
  const data = join(root, "data");
  const log = join(root, "log");
  const port = await freePort();
  run("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const startServer = (): void => {
    try {
      run("pg_ctl", ["-D", data, "-l", log, "-w", "-t", "30", "-o", options, "start"]);
    } catch (error) {
      let text = "";
      try {
        text = execFileSync("tail", ["-20", log], { encoding: "utf8" });
      } catch {}
      throw new Error(`PostgreSQL did not start: ${String(error)}\n${text}`);
    }
  };
  const stopServer = (): void => {
    try {
      run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
    } catch {}
  };
  startServer();
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    stopServer();
    rmSync(root, { recursive: true, force: true });
  };
  process.once("exit", stop);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    restart: () => {
      stopServer();
      startServer();
    },
    stopServer,
    startServer,
    stop,
  };
}

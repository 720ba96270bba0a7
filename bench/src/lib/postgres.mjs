// A throwaway PostgreSQL 15 cluster for the archive suite: initdb + pg_ctl from
// /usr/lib/postgresql/15/bin (or $PG_BIN) in a temp dir, on a free 127.0.0.1 port, trust auth for
// `postgres`; run as `nobody` through runuser when the bench runs as root (PostgreSQL refuses
// root). Invariants: loopback only; stopped by pg_ctl on its own data dir, its dir removed;
// `{ skipped }` instead of throwing when it cannot start.
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.mjs";

const BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

export async function startPostgres() {
  const isRoot = process.getuid?.() === 0;
  const runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].find(existsSync);
  if (!existsSync(join(BIN, "initdb")) || (isRoot && !runuser))
    return { skipped: `PostgreSQL 15 not found in ${BIN} (apt-get install postgresql-15)` };
  const run = (tool, args) => {
    const path = join(BIN, tool);
    const [cmd, argv] = isRoot ? [runuser, ["-u", "nobody", "--", path, ...args]] : [path, args];
    return execFileSync(cmd, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  };
  const root = mkdtempSync(join(tmpdir(), "spool-bench-pg-"));
  chmodSync(root, 0o755);
  if (isRoot) chownSync(root, 65534, 65534);
  const data = join(root, "data");
  const port = await freePort();
  try {
    run("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
    // durability as a default install has it (fsync on), commits not waiting for the WAL flush
    const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c synchronous_commit=off`;
    run("pg_ctl", ["-D", data, "-l", join(root, "log"), "-w", "-o", options, "start"]);
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    return { skipped: `PostgreSQL did not start: ${String(error).slice(0, 200)}` };
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
      } catch {}
      rmSync(root, { recursive: true, force: true });
    },
  };
}

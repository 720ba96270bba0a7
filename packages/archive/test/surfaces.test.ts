// A read across the seam over the CLI and HTTP, against a real PostgreSQL: `spool archive`
// archives a pool that then wraps; `spool fetch`/`spool follow --since <archive oldest>`/`spool
// pool info`/`spool doctor` with --archive read across both tiers; `spool serve --archive
// --archive-pools` archives beside the server and its HTTP get and tail (no new parameter)
// answer below the ring: every seq once, in order. Needs the built CLI (packages/cli/dist).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createPool, type Pool } from "@spool/core";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describePg, freePort, type PgFixture, startPostgres } from "./pg-fixture.js";

const CLI = fileURLToPath(new URL("../../cli/dist/cli.js", import.meta.url));
// The SDK is loaded from its build, not as a dependency: @spool/client depends on @spool/server,
// which depends on this package, so a workspace dependency here would be a cycle.
const CLIENT = new URL("../../client/dist/index.js", import.meta.url);

/** The slice of the SDK this test drives (its full types live in @spool/client). */
interface RemotePool {
  info(): Promise<{ archive?: unknown }>;
  get(seq: number): Promise<{ data: unknown }>;
  tail(options: { since: number; timeoutMs: number }): AsyncIterable<{ seq: number }>;
  close(): Promise<void>;
}
async function remotePool(baseUrl: string, name: string): Promise<RemotePool> {
  const sdk = (await import(CLIENT.href)) as {
    createClient(options: { baseUrl: string }): { pool(name: string): RemotePool };
  };
  return sdk.createClient({ baseUrl }).pool(name);
}

let fixture: PgFixture;
let db: pg.Pool;
let dir: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`build the CLI first: ${CLI} is missing`);
  if (!existsSync(CLIENT))
    throw new Error(`build the SDK first: ${fileURLToPath(CLIENT)} is missing`);
  fixture = await startPostgres();
  db = new pg.Pool({ connectionString: fixture.url, max: 2 });
  dir = mkdtempSync(join(tmpdir(), "spool-archive-surfaces-"));
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await db?.end();
  fixture?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

const env = () => ({ ...process.env, SPOOL_DIR: dir, NO_COLOR: "1" });

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: env(), maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
        });
      },
    );
  });
}

function start(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: env(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.kill("SIGTERM");
  return exited;
}

async function watermark(name: string): Promise<number> {
  try {
    const r = await db.query<{ w: string }>(
      "SELECT max(watermark) AS w FROM spool_archive.pools WHERE name = $1",
      [name],
    );
    return Number(r.rows[0]?.w ?? 0);
  } catch {
    return 0; // the schema is not there yet
  }
}

async function waitFor(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Appends `count` messages in steps the archiver keeps up with (nothing overwritten unarchived). */
const lines = new Map<number, string>();

async function fill(pool: Pool, name: string, count: number): Promise<number> {
  let newest = 0;
  for (let i = 0; i < count; i += 100) {
    const batch = pool.appendBatch(
      Array.from({ length: 100 }, (_, k) => ({
        data: { n: i + k, pad: "q".repeat(80) },
        tags: ["s"],
      })),
    );
    for (const m of batch) lines.set(m.seq, Buffer.from(m.toJsonLine()).toString());
    newest = batch.at(-1)?.seq ?? newest;
    await waitFor(async () => (await watermark(name)) >= newest);
  }
  return newest;
}

function seqsOf(jsonl: string): number[] {
  return jsonl
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => (JSON.parse(line) as { seq: number }).seq);
}

describePg("across the seam over the CLI and HTTP", () => {
  it("spool archive, then fetch, follow, pool info and doctor with --archive", async () => {
    const pool = createPool("cli-seam", { dir, size: "64K" });
    const archiver = start(["archive", "cli-seam", "--to", fixture.url]);
    const newest = await fill(pool, "cli-seam", 2000);
    expect(await stop(archiver)).toBe(0);
    const oldestInRing = pool.info().bounds?.oldest ?? 0;
    expect(oldestInRing).toBeGreaterThan(1000);
    const url = fixture.url;

    const got = await cli(["fetch", "cli-seam", "3", "--archive", url]);
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ seq: 3, meta: { tags: ["s"] }, data: { n: 2 } });
    expect(got.stdout).toBe(lines.get(3)); // the ring's exact envelope line
    const without = await cli(["fetch", "cli-seam", "3"]);
    expect(without.code).toBe(3);

    const follow = await cli([
      "follow",
      "cli-seam",
      "--since",
      "1",
      "--no-follow",
      "--archive",
      url,
    ]);
    expect(follow.code).toBe(0);
    expect(seqsOf(follow.stdout)).toEqual(range(1, newest));
    // the environment gives the archive too
    const viaEnv = await new Promise<string>((resolve) =>
      execFile(
        process.execPath,
        [CLI, "follow", "cli-seam", "--since", "1", "--max", "5"],
        { env: { ...env(), SPOOL_ARCHIVE: url } },
        (_e, stdout) => resolve(stdout),
      ),
    );
    expect(seqsOf(viaEnv)).toEqual([1, 2, 3, 4, 5]);

    const info = await cli(["pool", "info", "cli-seam", "--json", "--archive", url]);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout).pool.archive).toEqual({
      watermark: newest,
      bounds: { oldest: 1, newest },
      message_count: newest,
      lag: 0,
      gap_messages: 0,
      gap_count: 0,
    });
    const doctor = await cli(["doctor", "cli-seam", "--json", "--archive", url]);
    expect(doctor.code).toBe(0);
    expect(JSON.parse(doctor.stdout).pools[0].archive).toMatchObject({ watermark: newest });
    pool.close();
  }, 60_000);

  it("spool serve --archive --archive-pools: HTTP get and tail below the ring", async () => {
    const pool = createPool("http-seam", { dir, size: "64K" });
    const port = await freePort();
    const server = start([
      "serve",
      "--port",
      String(port),
      "--archive",
      fixture.url,
      "--archive-pools",
      "http-seam",
      "--quiet",
    ]);
    const base = `http://127.0.0.1:${port}/v0/pools/http-seam`;
    await waitFor(async () => {
      try {
        return (await fetch(`${base}/info`)).ok;
      } catch {
        return false;
      }
    });
    const newest = await fill(pool, "http-seam", 2000);
    expect(pool.info().bounds?.oldest).toBeGreaterThan(1000);
    const served = (await (await fetch(`${base}/info`)).json()) as {
      pool: { archive: { watermark: number; gap_messages: number } };
    };
    expect(served.pool.archive).toMatchObject({ watermark: newest, gap_messages: 0 });
    const one = await fetch(`${base}/messages/2`);
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ message: { seq: 2, data: { n: 1 } } });
    const tail = await fetch(`${base}/tail?since_seq=1&timeout_ms=200`);
    expect(tail.status).toBe(200);
    expect(seqsOf(await tail.text())).toEqual(range(1, newest));
    // The SDK needs no new parameter: info has the archive side, get and tail cross the seam.
    const remote = await remotePool(`http://127.0.0.1:${port}`, "http-seam");
    expect((await remote.info()).archive).toMatchObject({ watermark: newest, gapMessages: 0 });
    expect((await remote.get(2)).data).toEqual({ n: 1, pad: "q".repeat(80) });
    const sdkSeqs: number[] = [];
    for await (const m of remote.tail({ since: 1, timeoutMs: 200 })) sdkSeqs.push(m.seq);
    expect(sdkSeqs).toEqual(range(1, newest));
    await remote.close();
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain(`spool_archive_watermark{pool="http-seam"} ${newest}`);
    expect(metrics).toContain('spool_archive_gap_messages{pool="http-seam"} 0');
    expect(metrics).toContain('spool_archive_lag{pool="http-seam"} 0');
    expect(await stop(server)).toBe(0);
    pool.close();
  }, 60_000);

  it("spool serve --archive: /metrics reports the exact archive gap of a pool that wrapped unarchived", async () => {
    const pool = createPool("http-gap", { dir, size: "64K" });
    const serve = async (extra: string[]) => {
      const port = await freePort();
      const server = start([
        "serve",
        "--port",
        String(port),
        "--archive",
        fixture.url,
        ...extra,
        "--quiet",
      ]);
      await waitFor(async () => {
        try {
          return (await fetch(`http://127.0.0.1:${port}/v0/pools/http-gap/info`)).ok;
        } catch {
          return false;
        }
      });
      return { server, port };
    };
    const archiving = await serve(["--archive-pools", "http-gap"]);
    const archived = await fill(pool, "http-gap", 300);
    expect(await stop(archiving.server)).toBe(0);
    // Nobody archives now: the ring wraps over messages the archive never saw.
    for (let i = 0; i < 40; i++) {
      pool.appendBatch(
        Array.from({ length: 100 }, (_, k) => ({ data: { n: k, pad: "z".repeat(80) } })),
      );
    }
    const ringOldest = pool.info().bounds?.oldest ?? 0;
    expect(ringOldest).toBeGreaterThan(archived + 1);
    const reading = await serve([]);
    const info = (await (
      await fetch(`http://127.0.0.1:${reading.port}/v0/pools/http-gap/info`)
    ).json()) as { pool: { archive: { watermark: number; gap_messages: number } } };
    expect(info.pool.archive.watermark).toBe(archived);
    expect(info.pool.archive.gap_messages).toBe(ringOldest - archived - 1);
    const metrics = await (await fetch(`http://127.0.0.1:${reading.port}/metrics`)).text();
    expect(metrics).toContain(
      `spool_archive_gap_messages{pool="http-gap"} ${ringOldest - archived - 1}`,
    );
    expect(metrics).toContain(`spool_archive_watermark{pool="http-gap"} ${archived}`);
    expect(await stop(reading.server)).toBe(0);
    pool.close();
  }, 60_000);
});

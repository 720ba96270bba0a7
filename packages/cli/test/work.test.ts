// `spool work POOL --group G -- CMD`: a job queue from the shell. Each message runs CMD once with
// its envelope on stdin (the bytes `spool fetch` prints) and the delivery in SPOOL_*; exit 0
// acks, anything else nacks with the failure text, and after --max-attempts a message goes to
// the --dead-letter pool; a worker killed with SIGKILL mid-job loses its message to another
// worker once the lease ends; --concurrency N runs N jobs at once and never more; a job longer
// than its lease keeps it (renewed); --max, --timeout and SIGTERM end a worker as documented;
// `spool group list|show|delete`; bad input is refused before anything is claimed.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  baseEnv,
  CLI,
  collect,
  createPool,
  jsonLines,
  run,
  sleep,
  start,
  tempDir,
  waitFor,
} from "./helpers.js";

let dir: string;
let cleanup: () => void;
let out: string;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  out = join(dir, "out");
  mkdirSync(out);
  writeFileSync(join(dir, "job.mjs"), JOB);
});
afterEach(() => cleanup());

/**
 * The job: records its stdin and SPOOL_* environment in OUT/SEQ-ATTEMPT.json, prints `out SEQ`,
 * then does what the message's data says: `fail` (exit 2 after a stderr line), `hang` (on
 * attempt 1 only: sleeps a minute), `sleep` ms, `meet` N (waits until N jobs run at once).
 */
const JOB = `
import { readFileSync, writeFileSync, readdirSync, rmSync } from "node:fs";
const input = readFileSync(0, "utf8");
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("SPOOL_") && k !== "SPOOL_DIR"));
const out = process.env.JOB_OUT;
const key = process.env.SPOOL_SEQ + "-" + process.env.SPOOL_ATTEMPT;
writeFileSync(out + "/" + key + ".json", JSON.stringify({ input, env, started: Date.now() }));
console.log("out " + process.env.SPOOL_SEQ);
const data = JSON.parse(input).data;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
if (data.fail) { console.error("some output"); console.error("boom " + process.env.SPOOL_SEQ); process.exit(2); }
if (data.hang && process.env.SPOOL_ATTEMPT === "1") await sleep(60000);
if (data.sleep) await sleep(data.sleep);
if (data.meet) {
  writeFileSync(out + "/running-" + key, "");
  const end = Date.now() + 10000;
  let most = 0;
  for (;;) {
    const running = readdirSync(out).filter((f) => f.startsWith("running-")).length;
    most = Math.max(most, running);
    if (running >= data.meet) break;
    if (Date.now() > end) process.exit(1);
    await sleep(10);
  }
  await sleep(200);
  most = Math.max(most, readdirSync(out).filter((f) => f.startsWith("running-")).length);
  writeFileSync(out + "/most-" + key, String(most));
  rmSync(out + "/running-" + key);
}
`;

type JobRecord = { input: string; env: Record<string, string>; started: number };
type GroupJson = {
  name: string;
  next: number;
  lag: number;
  in_flight: number;
  waiting: number;
  members: { member: string; in_flight: number }[];
  delivered: number;
  redelivered: number;
  acked: number;
  dead_lettered: number;
  max_attempts: number;
  dead_letter: string | null;
  retention: string;
};
type NoticeLine = { notice: { kind: string; seq?: number; attempt?: number; error?: unknown } };

const job = (): string[] => ["--", process.execPath, join(dir, "job.mjs")];
const env = () => ({ env: { JOB_OUT: out } });
const work = (args: string[], timeoutMs = 30_000) =>
  run(dir, ["work", ...args, ...job()], { ...env(), timeoutMs });

function records(): Map<string, JobRecord> {
  const map = new Map<string, JobRecord>();
  for (const f of readdirSync(out).filter((f) => /^\d+-\d+\.json$/.test(f)))
    map.set(f.slice(0, -5), JSON.parse(readFileSync(join(out, f), "utf8")) as JobRecord);
  return map;
}

async function group(name: string, pool = "jobs"): Promise<GroupJson> {
  const r = await run(dir, ["group", "show", pool, name, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { group: GroupJson }).group;
}

function notices(stderr: string, kind: string): NoticeLine["notice"][] {
  return stderr
    .split("\n")
    .filter((l) => l.startsWith('{"notice"'))
    .map((l) => (JSON.parse(l) as NoticeLine).notice)
    .filter((n) => n.kind === kind);
}

describe("spool work", () => {
  it("runs a job per message, retries failures and dead-letters them after --max-attempts", async () => {
    await createPool(dir, "jobs", ['{"n":1}', '{"n":2}', '{"fail":true}', '{"n":4}', '{"n":5}']);
    await createPool(dir, "failed");
    const r = await work([
      "jobs",
      "--group",
      "q",
      "--since",
      "oldest",
      "--max-attempts",
      "3",
      "--dead-letter",
      "failed",
      "--timeout",
      "1s",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const done = records();
    expect([...done.keys()].sort()).toEqual(["1-1", "2-1", "3-1", "3-2", "3-3", "4-1", "5-1"]);
    // stdin is the envelope line `spool fetch` prints; the delivery is in the environment
    const first = done.get("1-1") as JobRecord;
    expect(first.input).toBe((await run(dir, ["fetch", "jobs", "1"])).stdout);
    expect(first.env).toMatchObject({
      SPOOL_POOL: "jobs",
      SPOOL_GROUP: "q",
      SPOOL_SEQ: "1",
      SPOOL_ATTEMPT: "1",
    });
    expect(first.env.SPOOL_MEMBER).toMatch(/:\d+$/);
    // the child's stdout and stderr pass through
    expect(r.stdout).toContain("out 1\n");
    expect(r.stderr).toContain("boom 3\n");
    const failed = notices(r.stderr, "job_failed");
    expect(failed.map((n) => [n.seq, n.attempt, n.error])).toEqual([
      [3, 1, "exit code 2: boom 3"],
      [3, 2, "exit code 2: boom 3"],
      [3, 3, "exit code 2: boom 3"],
    ]);
    const dead = jsonLines(
      (await run(dir, ["follow", "failed", "--since", "1", "--no-follow"])).stdout,
    );
    expect(dead).toMatchObject([
      {
        seq: 1,
        data: {
          pool: "jobs",
          group: "q",
          seq: 3,
          attempts: 3,
          error: "exit code 2: boom 3",
          data: { fail: true },
        },
      },
    ]);
    expect(await group("q")).toMatchObject({
      next: 6,
      lag: 0,
      in_flight: 0,
      acked: 4,
      dead_lettered: 1,
      redelivered: 2,
      max_attempts: 3,
      dead_letter: "failed",
    });
    // a second worker finds nothing to do
    const again = await work(["jobs", "--group", "q", "--timeout", "300ms"]);
    expect(again.code).toBe(0);
    expect(records().size).toBe(7);
  });

  it("a worker killed with SIGKILL mid-job: another worker gets the message once the lease ends", async () => {
    await createPool(dir, "jobs", ['{"hang":true}']);
    // worker A in its own process group, so that SIGKILL reaches its job too
    const a = spawn(
      process.execPath,
      [CLI, "work", "jobs", "--group", "q", "--since", "oldest", "--lease", "3s", ...job()],
      { env: baseEnv(dir, { JOB_OUT: out }), cwd: dir, stdio: "ignore", detached: true },
    );
    const aDone = new Promise<void>((resolve) => a.on("exit", () => resolve()));
    await waitFor(() => existsSync(join(out, "1-1.json")), 15_000, "the first attempt");
    await sleep(1600); // past one renewal (every half lease)
    process.kill(-(a.pid as number), "SIGKILL");
    await aDone;
    const killedAt = Date.now();
    const before = await group("q");
    expect(before).toMatchObject({ in_flight: 1, acked: 0 });
    const b = await work(["jobs", "--group", "q", "--lease", "3s", "--max", "1"]);
    expect(b.code, b.stderr).toBe(0);
    const second = records().get("1-2");
    expect(second?.env.SPOOL_ATTEMPT).toBe("2");
    // not before A's (renewed) lease ran out
    expect((second?.started ?? 0) - killedAt).toBeGreaterThan(1000);
    expect(await group("q")).toMatchObject({ acked: 1, redelivered: 1, in_flight: 0, lag: 0 });
  });

  it("--concurrency N runs N jobs at once, and never more", async () => {
    await createPool(
      dir,
      "jobs",
      Array.from({ length: 6 }, () => '{"meet":3}'),
    );
    const r = await work([
      "jobs",
      "--group",
      "q",
      "--since",
      "oldest",
      "--concurrency",
      "3",
      "--max",
      "6",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(notices(r.stderr, "job_failed")).toEqual([]);
    const most = readdirSync(out)
      .filter((f) => f.startsWith("most-"))
      .map((f) => Number(readFileSync(join(out, f), "utf8")));
    expect(most.length).toBe(6);
    expect(Math.max(...most)).toBe(3);
    expect(await group("q")).toMatchObject({ acked: 6, lag: 0 });
  });

  it("renews the lease of a job that runs longer than it, so no one else gets the message", async () => {
    await createPool(dir, "jobs", ['{"sleep":1500}']);
    const a = run(
      dir,
      [
        "work",
        "jobs",
        "--group",
        "q",
        "--since",
        "oldest",
        "--lease",
        "400ms",
        "--max",
        "1",
        ...job(),
      ],
      env(),
    );
    await waitFor(() => existsSync(join(out, "1-1.json")), 15_000, "the job");
    const b = await work(["jobs", "--group", "q", "--lease", "400ms", "--timeout", "1s"]);
    expect(b.code).toBe(0);
    const ra = await a;
    expect(ra.code, ra.stderr).toBe(0);
    expect(notices(ra.stderr, "lease_lost")).toEqual([]);
    expect([...records().keys()]).toEqual(["1-1"]);
    expect(await group("q")).toMatchObject({ acked: 1, redelivered: 0 });
  });

  it("--max N stops after N jobs; SIGTERM lets the running job finish (exit 143)", async () => {
    await createPool(dir, "jobs", ['{"n":1}', '{"n":2}', '{"sleep":800}', '{"n":4}']);
    const two = await work(["jobs", "--group", "q", "--since", "oldest", "--max", "2"]);
    expect(two.code).toBe(0);
    expect([...records().keys()].sort()).toEqual(["1-1", "2-1"]);
    const worker: ChildProcess = start(dir, ["work", "jobs", "--group", "q", ...job()], env());
    const done = collect(worker, 20_000);
    await waitFor(() => existsSync(join(out, "3-1.json")), 15_000, "the slow job");
    worker.kill("SIGTERM");
    const r = await done;
    expect(r.code).toBe(143);
    expect([...records().keys()].sort()).toEqual(["1-1", "2-1", "3-1"]);
    expect(await group("q")).toMatchObject({ acked: 3, next: 4, lag: 1, in_flight: 0 });
  });

  it("says so when a new group without --since leaves the pool's messages out", async () => {
    await createPool(dir, "jobs", ['{"n":1}', '{"n":2}']);
    const first = await work(["jobs", "--group", "late", "--timeout", "0"]);
    expect(first.code, first.stderr).toBe(0);
    expect(notices(first.stderr, "group_new")).toEqual([
      { kind: "group_new", pool: "jobs", group: "late", since: "new", skipped: 2 },
    ]);
    // The group exists now: a rerun says nothing; neither does a new group with --since.
    const again = await work(["jobs", "--group", "late", "--timeout", "0"]);
    expect(notices(again.stderr, "group_new")).toEqual([]);
    const oldest = await work(["jobs", "--group", "all", "--since", "oldest", "--timeout", "0"]);
    expect(notices(oldest.stderr, "group_new")).toEqual([]);
    expect(records().size).toBe(2);
  });

  it("refuses bad input before anything is claimed", async () => {
    await createPool(dir, "jobs", ['{"n":1}']);
    const cases: [string[], string][] = [
      [["--group", "q", "--lease", "0"], "--lease must be from 1ms to 24h"],
      [["--group", "q", "--lease", "25h"], "--lease must be from 1ms to 24h"],
      [["--group", "q", "--lease", "soon"], "--lease must be a duration"],
      [["--group", "q", "--retry-delay", "2d"], "--retry-delay must be from 0 to 24h"],
      [["--group", "bad name"], "group name must be 1–64 characters"],
      [["--group", "q", "--member", "a b"], "member must be 1–64 characters"],
      [["--group", "q", "--since", "yesterday"], "--since must be oldest, new or a seq"],
      [["--group", "q", "--concurrency", "0"], "--concurrency must be ≥ 1"],
      [["--group", "q", "--concurrency", "1001"], "--concurrency must be from 1 to 1000"],
      [["--group", "q", "--dead-letter", "jobs"], "cannot dead-letter into its own pool"],
      [["--group", "q", "--dead-letter", "a/b"], "pool name"],
      [[], "work needs --group NAME"],
    ];
    for (const [args, message] of cases) {
      const r = await work(["jobs", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect((JSON.parse(r.stderr) as { error: { message: string } }).error.message).toContain(
        message,
      );
    }
    const noCommand = await run(dir, ["work", "jobs", "--group", "q"]);
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toContain("work needs a command to run after --");
    const missing = await run(dir, ["work", "jobs", "--group", "q", "--", "no-such-command-x"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("command not found: no-such-command-x");
    const noDeadLetter = await work([
      "jobs",
      "--group",
      "q",
      "--dead-letter",
      "nope",
      "--timeout",
      "0",
    ]);
    expect(noDeadLetter.code).toBe(3);
    expect(noDeadLetter.stderr).toContain("nope.spool");
    // nothing was claimed: the group was never created
    expect((await run(dir, ["group", "show", "jobs", "q"])).code).toBe(3);
    expect(records().size).toBe(0);
    expect((await run(dir, ["work", "nope", "--group", "q", ...job()])).code).toBe(3);
  });
});

describe("spool group list|show|delete", () => {
  it("lists and shows groups in human text and core's wire spelling; delete forgets one", async () => {
    await createPool(dir, "jobs", ['{"n":1}', '{"n":2}', '{"n":3}']);
    expect((await run(dir, ["group", "list", "jobs"])).stdout).toBe("no groups\n");
    expect((await work(["jobs", "--group", "b", "--since", "oldest", "--max", "1"])).code).toBe(0);
    expect((await work(["jobs", "--group", "a", "--since", "2", "--max", "2"])).code).toBe(0);
    const list = await run(dir, ["group", "list", "jobs", "--json"]);
    const doc = JSON.parse(list.stdout) as { groups: GroupJson[] };
    expect(doc.groups.map((g) => [g.name, g.next, g.lag, g.acked])).toEqual([
      ["a", 4, 0, 2],
      ["b", 2, 2, 1],
    ]);
    expect(Object.keys(doc.groups[0] as object)).toEqual([
      "name",
      "next",
      "lag",
      "in_flight",
      "waiting",
      "members",
      "oldest_unfinished",
      "delivered",
      "redelivered",
      "acked",
      "dead_lettered",
      "exhausted",
      "lost_to_retention",
      "max_attempts",
      "dead_letter",
      "retention",
      "created_time",
    ]);
    expect(jsonLines((await run(dir, ["group", "list", "jobs", "--jsonl"])).stdout)).toEqual(
      doc.groups,
    );
    const table = (await run(dir, ["group", "list", "jobs"])).stdout;
    expect(table).toMatch(/^NAME\s+NEXT\s+LAG\s+IN FLIGHT\s+WAITING\s+ACKED\s+DEAD\s+LOST\n/);
    expect(table).toMatch(/\nb\s+2\s+2\s+0\s+0\s+1\s+0\s+0\n/);
    const show = (await run(dir, ["group", "show", "jobs", "b"])).stdout;
    expect(show).toMatch(/lag:\s+2 unfinished/);
    expect(show).toMatch(/max attempts:\s+unlimited/);
    expect((await run(dir, ["group", "show", "jobs", "b", "--jsonl"])).stdout).toBe(
      `${JSON.stringify(doc.groups[1])}\n`,
    );
    const deleted = await run(dir, ["group", "delete", "jobs", "b", "--json"]);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ deleted: { name: "b", acked: 1 } });
    const gone = await run(dir, ["group", "show", "jobs", "b"]);
    expect(gone.code).toBe(3);
    expect(JSON.parse(gone.stderr)).toMatchObject({
      error: { kind: "NotFound", message: "group b not found" },
    });
    expect((await run(dir, ["group", "delete", "jobs", "b"])).code).toBe(3);
    expect((await run(dir, ["group", "show", "jobs", "-bad"])).code).toBe(2);
    expect((await run(dir, ["group"])).stderr).toContain("list, show or delete");
  });
});

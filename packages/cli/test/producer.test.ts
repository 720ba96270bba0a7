// `spool feed --producer ID [--producer-epoch N]`: record k of the input is producer seq k, so a
// feed killed (SIGKILL) in the middle of a file and rerun with the same producer appends every
// record exactly once and in order; a stale epoch is Conflict (exit 10) with core's hint; a bad
// id and --producer-epoch alone are Usage before any input is read or any pool created;
// --if-last-seq and --errors skip keep their meaning across reruns; `pool info` lists producers.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DuplicateReceipt, type Message, openPool } from "@spool/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { receiptLines, receiptText } from "../src/lib/receipts.js";
import {
  collect,
  createPool,
  jsonLines,
  run,
  type ServedApp,
  serveApp,
  sleep,
  start,
  tempDir,
} from "./helpers.js";

let tmp: ReturnType<typeof tempDir>;
let served: ServedApp;
beforeAll(async () => {
  tmp = tempDir();
  served = await serveApp({ dir: `${tmp.dir}/served` });
});
afterAll(async () => {
  await served.close();
  tmp.cleanup();
});

type Notice = { notice: { kind: string; skipped?: number; producer?: string; epoch?: number } };
type ErrorLine = { error: { kind: string; message: string; hint?: string; epoch?: number } };
type Receipt = { seq: number | null; duplicate?: true };

/** Writes a JSONL file of `count` records `{"n":k,...}` and returns its path. */
function numbered(name: string, count: number, pad = 40): string {
  const path = join(tmp.dir, name);
  let text = "";
  for (let k = 1; k <= count; k++) text += `${JSON.stringify({ n: k, pad: "x".repeat(pad) })}\n`;
  writeFileSync(path, text);
  return path;
}

/** The `n` of every message of local pool `name`, in seq order (one replay, no lookups). */
async function numbersIn(name: string, dir = tmp.dir): Promise<number[]> {
  const pool = openPool(name, { dir, readOnly: true });
  try {
    const out: number[] = [];
    for await (const m of pool.tail<{ n: number }>({ since: 1, follow: false })) out.push(m.data.n);
    return out;
  } finally {
    pool.close();
  }
}

function newestOf(name: string, dir = tmp.dir): number {
  const pool = openPool(name, { dir, readOnly: true });
  try {
    return pool.readState().newest;
  } finally {
    pool.close();
  }
}

const notices = (stderr: string) =>
  (jsonLines(stderr) as (Notice | ErrorLine)[]).filter((l): l is Notice => "notice" in l);

describe("feed --producer: rerun after SIGKILL", () => {
  it("appends every record exactly once and in order, however often the feed is killed", async () => {
    const total = 200_000;
    const file = numbered("big.jsonl", total);
    await createPool(tmp.dir, "ingest", [], "64M");
    let killed = 0;
    let last = 0;
    for (let round = 0; round < 4 && last < total; round++) {
      const child = start(tmp.dir, ["feed", "ingest", "--file", file, "--producer", "load", "-q"]);
      const done = collect(child, 60_000, null);
      // let it store a few thousand more records, then kill it in the middle of the file
      const target = last + 5_000 + round * 7_919;
      const until = Date.now() + 30_000;
      while (newestOf("ingest") < target && child.exitCode === null && Date.now() < until)
        await sleep(2);
      child.kill("SIGKILL");
      const result = await done;
      const newest = newestOf("ingest");
      if (result.signal === "SIGKILL" && newest < total) killed++;
      expect(newest).toBeGreaterThanOrEqual(last);
      last = newest;
    }
    expect(killed).toBeGreaterThanOrEqual(2);
    const pool = openPool("ingest", { dir: tmp.dir, readOnly: true });
    const before = pool.producerState("load");
    pool.close();
    expect(before?.lastSeq).toBe(last);

    const rerun = await run(tmp.dir, ["feed", "ingest", "--file", file, "--producer", "load"], {
      timeoutMs: 60_000,
    });
    expect(rerun.code, rerun.stderr).toBe(0);
    const resumed = notices(rerun.stderr).find((n) => n.notice.kind === "resumed");
    expect(resumed?.notice).toEqual({
      kind: "resumed",
      producer: "load",
      epoch: 0,
      skipped: last,
    });
    const receipts = jsonLines(rerun.stdout) as Receipt[];
    expect(receipts.length).toBe(total - last);
    expect(receipts[0]?.seq).toBe(last + 1);

    const numbers = await numbersIn("ingest");
    expect(numbers.length).toBe(total);
    expect(numbers.every((n, i) => n === i + 1)).toBe(true);
    const doctor = await run(tmp.dir, ["doctor", "ingest", "--json"]);
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
    expect((JSON.parse(doctor.stdout) as { ok: boolean }).ok).toBe(true);

    // a rerun of the finished feed stores nothing and says so
    const again = await run(tmp.dir, ["feed", "ingest", "--file", file, "--producer", "load"], {
      timeoutMs: 60_000,
    });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe("");
    expect(notices(again.stderr).find((n) => n.notice.kind === "resumed")?.notice.skipped).toBe(
      total,
    );
    expect(newestOf("ingest")).toBe(total);
  }, 180_000);

  it("works the same on a remote pool (spool serve's app): killed mid-file, rerun, exactly once", async () => {
    const total = 60_000;
    const file = numbered("remote.jsonl", total, 20);
    const servedDir = `${tmp.dir}/served`;
    const ref = `${served.base}/remote-ingest`;
    const created = await run(tmp.dir, [
      "pool",
      "create",
      `${servedDir}/remote-ingest.spool`,
      "--size",
      "16M",
    ]);
    expect(created.code, created.stderr).toBe(0);
    let last = 0;
    let killed = 0;
    for (let round = 0; round < 3 && last < total; round++) {
      const child = start(tmp.dir, ["feed", ref, "--file", file, "--producer", "net", "-q"]);
      const done = collect(child, 60_000, null);
      const target = last + 3_000 + round * 4_001;
      const until = Date.now() + 30_000;
      while (
        newestOf("remote-ingest", servedDir) < target &&
        child.exitCode === null &&
        Date.now() < until
      )
        await sleep(2);
      child.kill("SIGKILL");
      if ((await done).signal === "SIGKILL") killed++;
      last = newestOf("remote-ingest", servedDir);
    }
    expect(killed).toBeGreaterThanOrEqual(1);
    const rerun = await run(tmp.dir, ["feed", ref, "--file", file, "--producer", "net", "-q"], {
      timeoutMs: 60_000,
    });
    expect(rerun.code, rerun.stderr).toBe(0);
    const numbers = await numbersIn("remote-ingest", servedDir);
    expect(numbers.length).toBe(total);
    expect(numbers.every((n, i) => n === i + 1)).toBe(true);
  }, 120_000);

  it("two feeds of one producer racing store every record once (the later one gets duplicates)", async () => {
    const total = 60_000;
    const file = numbered("race.jsonl", total, 10);
    await createPool(tmp.dir, "race", [], "16M");
    const args = ["feed", "race", "--file", file, "--producer", "racer"];
    const [a, b] = await Promise.all([
      run(tmp.dir, args, { timeoutMs: 60_000 }),
      run(tmp.dir, args, { timeoutMs: 60_000 }),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const receipts = [...jsonLines(a.stdout), ...jsonLines(b.stdout)] as Receipt[];
    const stored = receipts.filter((r) => r.duplicate !== true);
    expect(stored.length).toBe(total);
    for (const r of receipts.filter((x) => x.duplicate === true))
      expect(Object.keys(r).at(-1)).toBe("duplicate");
    const numbers = await numbersIn("race");
    expect(numbers.length).toBe(total);
    expect(numbers.every((n, i) => n === i + 1)).toBe(true);
  }, 120_000);
});

for (const where of ["local", "remote"] as const) {
  describe(`feed --producer (${where})`, () => {
    const ref = (name: string) => (where === "local" ? name : `${served.base}/${name}`);
    const lines = (...values: unknown[]) => `${values.map((v) => JSON.stringify(v)).join("\n")}\n`;
    const data = async (name: string): Promise<unknown[]> => {
      const r = await run(tmp.dir, [
        "follow",
        ref(name),
        "--tail",
        "1000",
        "--no-follow",
        "--jsonl",
      ]);
      expect(r.code, r.stderr).toBe(0);
      return (jsonLines(r.stdout) as { data: unknown }[]).map((m) => m.data);
    };

    it("skips what the producer committed; record k is seq k", async () => {
      const pool = `p-skip-${where}`;
      const first = await run(tmp.dir, ["feed", ref(pool), "--create", "--producer", "w"], {
        input: lines(1, 2, 3),
      });
      expect(first.code, first.stderr).toBe(0);
      expect(notices(first.stderr)).toEqual([]);
      const second = await run(tmp.dir, ["feed", ref(pool), "--producer", "w"], {
        input: lines(1, 2, 3, 4, 5),
      });
      expect(second.code, second.stderr).toBe(0);
      expect((jsonLines(second.stdout) as Receipt[]).map((r) => r.seq)).toEqual([4, 5]);
      expect(notices(second.stderr)).toEqual([
        { notice: { kind: "resumed", producer: "w", epoch: 0, skipped: 3 } },
      ]);
      // --quiet says nothing
      const quiet = await run(tmp.dir, ["feed", ref(pool), "--producer", "w", "-q"], {
        input: lines(1, 2, 3, 4, 5, 6),
      });
      expect(quiet.code, quiet.stderr).toBe(0);
      expect(quiet.stdout + quiet.stderr).toBe("");
      // inline DATA is record 1: already committed
      const inline = await run(tmp.dir, ["feed", ref(pool), "9", "--producer", "w"]);
      expect(inline.code, inline.stderr).toBe(0);
      expect(inline.stdout).toBe("");
      // another producer numbers from 1 on its own
      const other = await run(tmp.dir, ["feed", ref(pool), "7", "--producer", "other"]);
      expect((jsonLines(other.stdout) as Receipt[]).map((r) => r.seq)).toEqual([7]);
      expect(await data(pool)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    });

    it("a higher epoch starts afresh; a stale one exits 10 with the epoch and a hint", async () => {
      const pool = `p-epoch-${where}`;
      const a = await run(
        tmp.dir,
        ["feed", ref(pool), "--create", "--producer", "e", "--producer-epoch", "2"],
        { input: lines(1, 2) },
      );
      expect(a.code, a.stderr).toBe(0);
      const stale = await run(
        tmp.dir,
        ["feed", ref(pool), "--producer", "e", "--producer-epoch", "1"],
        { input: lines(1, 2, 3) },
      );
      expect(stale.code).toBe(10);
      const error = (jsonLines(stale.stderr).at(-1) as ErrorLine).error;
      expect(error.kind).toBe("Conflict");
      expect(error.epoch).toBe(2);
      expect(error.hint).toMatch(/epoch/);
      // epoch 0 is the default, and stale too
      expect((await run(tmp.dir, ["feed", ref(pool), "3", "--producer", "e"])).code).toBe(10);
      const fresh = await run(
        tmp.dir,
        ["feed", ref(pool), "--producer", "e", "--producer-epoch", "3"],
        { input: lines("a") },
      );
      expect(fresh.code, fresh.stderr).toBe(0);
      expect(notices(fresh.stderr)).toEqual([]);
      expect(await data(pool)).toEqual([1, 2, "a"]);
    });

    it("refuses bad ids and --producer-epoch alone as Usage before reading input", async () => {
      for (const bad of ["", "has space", "x".repeat(65), "é", "a;b"]) {
        const r = await run(
          tmp.dir,
          ["feed", ref(`p-bad-${where}`), "--create", "--producer", bad],
          {
            input: lines(1),
          },
        );
        expect(r.code, bad).toBe(2);
        const error = (jsonLines(r.stderr).at(-1) as ErrorLine).error;
        expect(error.kind).toBe("Usage");
        expect(error.message).toContain("--producer");
        expect(error.hint).toBeTruthy();
      }
      const alone = await run(
        tmp.dir,
        ["feed", ref(`p-bad-${where}`), "--create", "--producer-epoch", "1"],
        { input: lines(1) },
      );
      expect(alone.code).toBe(2);
      expect((jsonLines(alone.stderr).at(-1) as ErrorLine).error.message).toContain("--producer");
      for (const epoch of ["-1", "1.5", "x"]) {
        const r = await run(
          tmp.dir,
          [
            "feed",
            ref(`p-bad-${where}`),
            "--create",
            "--producer",
            "ok",
            "--producer-epoch",
            epoch,
          ],
          { input: lines(1) },
        );
        expect(r.code, epoch).toBe(2);
      }
      // nothing was created
      const info = await run(tmp.dir, ["follow", ref(`p-bad-${where}`), "--no-follow"]);
      expect(info.code).toBe(3);
    });

    it("--if-last-seq N holds across reruns: the records sit right after N", async () => {
      const pool = `p-cas-${where}`;
      expect(
        (await run(tmp.dir, ["feed", ref(pool), "--create", "-q"], { input: lines(0, 0) })).code,
      ).toBe(0);
      const args = ["feed", ref(pool), "--producer", "c", "--if-last-seq", "2"];
      // an interrupted first run (the first three records)
      const part = await run(tmp.dir, args, { input: lines(1, 2, 3) });
      expect(part.code, part.stderr).toBe(0);
      // the rerun expects 2 plus the three it skips
      const rest = await run(tmp.dir, args, { input: lines(1, 2, 3, 4, 5) });
      expect(rest.code, rest.stderr).toBe(0);
      expect((jsonLines(rest.stdout) as Receipt[]).map((r) => r.seq)).toEqual([6, 7]);
      // someone else appends; the finished feed's rerun still succeeds (nothing to append)
      expect((await run(tmp.dir, ["feed", ref(pool), "99", "-q"])).code).toBe(0);
      const done = await run(tmp.dir, args, { input: lines(1, 2, 3, 4, 5) });
      expect(done.code, done.stderr).toBe(0);
      // ...but more records after someone else's are a Conflict, with nothing stored
      const more = await run(tmp.dir, args, { input: lines(1, 2, 3, 4, 5, 6) });
      expect(more.code).toBe(10);
      expect((jsonLines(more.stderr).at(-1) as ErrorLine).error.kind).toBe("Conflict");
      // a rerun with another N than the first run's is a Conflict too
      const wrong = await run(
        tmp.dir,
        ["feed", ref(pool), "--producer", "c", "--if-last-seq", "0"],
        { input: lines(1, 2, 3, 4, 5, 6) },
      );
      expect(wrong.code).toBe(10);
      expect((jsonLines(wrong.stderr).at(-1) as ErrorLine).error.hint).toMatch(/--if-last-seq/);
      expect(await data(pool)).toEqual([0, 0, 1, 2, 3, 4, 5, 99]);
    });

    it("--errors skip: a refused record takes no seq, on the first run and on reruns", async () => {
      const pool = `p-skip-bad-${where}`;
      const args = ["feed", ref(pool), "--create", "--producer", "s", "--errors", "skip"];
      const first = await run(tmp.dir, args, { input: "1\n{bad\n2\n" });
      expect(first.code).toBe(1);
      const second = await run(tmp.dir, args, { input: "1\n{bad\n2\n3\n" });
      expect(second.code).toBe(1);
      expect((jsonLines(second.stdout) as Receipt[]).map((r) => r.seq)).toEqual([3]);
      const kinds = notices(second.stderr).map((n) => n.notice.kind);
      expect(kinds).toEqual(["rejected", "resumed", "summary"]);
      expect(notices(second.stderr).at(-1)?.notice).toMatchObject({
        kind: "summary",
        stored: 1,
        rejected: 1,
        skipped: 2,
        duplicates: 0,
      });
      expect(await data(pool)).toEqual([1, 2, 3]);
    });
  });
}

describe("pool info shows producers", () => {
  it("lists the count, the capacity and each producer's epoch and seqs", async () => {
    await createPool(tmp.dir, "shown");
    expect(
      (await run(tmp.dir, ["feed", "shown", "--producer", "host:w-1"], { input: "1\n2\n" })).code,
    ).toBe(0);
    const text = await run(tmp.dir, ["pool", "info", "shown"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^producers: 1 of \d+ kept$/m);
    expect(text.stdout).toMatch(/^ {2}id +epoch +last seq +pool seq +time$/m);
    expect(text.stdout).toMatch(/^ {2}host:w-1 +0 +2 +2 +\d{4}-\d\d-\d\dT/m);
    const json = JSON.parse((await run(tmp.dir, ["pool", "info", "shown", "--json"])).stdout) as {
      pool: { producer_count: number; producers: unknown[] };
    };
    expect(json.pool.producer_count).toBe(1);
    expect(json.pool.producers[0]).toMatchObject({
      id: "host:w-1",
      epoch: 0,
      last_seq: 2,
      last_pool_seq: 2,
    });
  });
});

describe("receipts of a producer's duplicates", () => {
  const original = {
    seq: 7,
    time: "2026-11-22T10:15:30.123456789Z",
    tags: ["a"],
    duplicate: true as const,
  } as unknown as Message;
  const fresh = {
    seq: 8,
    time: "2026-11-22T10:15:31.000000000Z",
    tags: ["b"],
  } as unknown as Message;

  it("marks the original's receipt, and keeps a bare receipt as the pool gave it", () => {
    const bare = [new DuplicateReceipt(5), new DuplicateReceipt(null)];
    expect(receiptLines([original, fresh, ...bare], '["b"]')).toBe(
      '{"seq":7,"time":"2026-11-22T10:15:30.123456789Z","meta":{"tags":["a"]},"duplicate":true}\n' +
        '{"seq":8,"time":"2026-11-22T10:15:31.000000000Z","meta":{"tags":["b"]}}\n' +
        '{"seq":5,"duplicate":true}\n{"seq":null,"duplicate":true}\n',
    );
    expect(receiptText(false, original)).toBe(
      "duplicate #7 2026-11-22T10:15:30.123456789Z [a] (stored before, not again)\n",
    );
    expect(receiptText(false, fresh)).toMatch(/^stored #8 /);
    expect(receiptText(false, new DuplicateReceipt(null))).toMatch(/^duplicate \(stored before/);
  });
});

// `spool feed --if-last-seq N`: the feed appends only if the pool's newest seq is N, and each
// later batch only if it is still the feed's own last stored seq, so the records land right after
// N or a Conflict (exit 10, with newest_seq) stops it; local pools and remote ones alike.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, run, type ServedApp, serveApp, tempDir } from "./helpers.js";

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

type ErrorLine = { error: { kind: string; newest_seq?: number; hint?: string } };

for (const where of ["local", "remote"] as const) {
  describe(`feed --if-last-seq (${where})`, () => {
    const pool = () => (where === "local" ? `cas-${where}` : `${served.base}/cas-${where}`);

    it("appends on the expected newest seq, else exits 10 with newest_seq and stores nothing", async () => {
      const created = await run(tmp.dir, ["feed", pool(), "1", "--create", "--if-last-seq", "0"]);
      expect(created.code, created.stderr).toBe(0);
      const stale = await run(tmp.dir, ["feed", pool(), "2", "--if-last-seq", "0"]);
      expect(stale.code).toBe(10);
      const error = (jsonLines(stale.stderr)[0] as ErrorLine).error;
      expect(error.kind).toBe("Conflict");
      expect(error.newest_seq).toBe(1);
      expect(error.hint).toBeTruthy();
      // a stream feeds as one chain of conditional appends after N
      const lines = "2\n3\n4\n";
      const chained = await run(tmp.dir, ["feed", pool(), "--if-last-seq", "1"], { input: lines });
      expect(chained.code, chained.stderr).toBe(0);
      expect((jsonLines(chained.stdout) as { seq: number }[]).map((r) => r.seq)).toEqual([2, 3, 4]);
      const all = await run(tmp.dir, ["follow", pool(), "--tail", "100", "--no-follow", "--jsonl"]);
      expect((jsonLines(all.stdout) as { data: number }[]).map((m) => m.data)).toEqual([
        1, 2, 3, 4,
      ]);
    });

    it("refuses a bad N as Usage before anything is stored", async () => {
      for (const bad of ["-1", "1.5", "abc"]) {
        const r = await run(tmp.dir, ["feed", pool(), "9", "--if-last-seq", bad]);
        expect(r.code, bad).toBe(2);
      }
    });
  });
}

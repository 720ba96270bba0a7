// `spool follow --no-follow`: print the selection up to the newest message, then exit 0 without a
// timeout, for local pools and for remote pools (through the SDK, `follow=false` on the wire).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createPool,
  type Envelope,
  jsonLines,
  run,
  type ServedApp,
  serveApp,
  tempDir,
} from "./helpers.js";

let tmp: ReturnType<typeof tempDir>;
let served: ServedApp;
let base: string;

beforeAll(async () => {
  tmp = tempDir();
  await createPool(tmp.dir, "nf", ['{"n":1}', '{"n":2}', '{"n":3}']);
  served = await serveApp({ dir: tmp.dir });
  base = served.base;
});

afterAll(async () => {
  await served.close();
  tmp.cleanup();
});

function seqs(stdout: string): number[] {
  return (jsonLines(stdout) as Envelope[]).map((m) => m.seq);
}

describe.each([
  ["local", () => "nf"],
  ["remote", () => `${base}/nf`],
])("follow --no-follow (%s)", (_label, pool) => {
  it("replays --since to the newest message and exits 0", async () => {
    const res = await run(tmp.dir, ["follow", pool(), "--since", "2", "--no-follow", "--jsonl"], {
      timeoutMs: 10_000,
    });
    expect(res.code, res.stderr).toBe(0);
    expect(seqs(res.stdout)).toEqual([2, 3]);
  }, 15_000);

  it("--tail N replays N; without a start it prints nothing; --timeout does not apply", async () => {
    const tail = await run(tmp.dir, ["follow", pool(), "-n", "1", "--no-follow", "--jsonl"]);
    expect(tail.code, tail.stderr).toBe(0);
    expect(seqs(tail.stdout)).toEqual([3]);
    const none = await run(tmp.dir, ["follow", pool(), "--no-follow", "--timeout", "5s"]);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toBe("");
  }, 15_000);
});

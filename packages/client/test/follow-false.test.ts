/**
 * `follow: false` in the SDK: `pool.tail()` and `pool.follow()` read to the end and stop (reason
 * `caught-up`) without a timeout, against a real server on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createClient, type FollowStatus, type RemotePool, type TailEnd } from "../src/index.js";
import { startServer, type TestServer } from "./helpers/server.js";

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
  servers = [];
});

async function setup(): Promise<RemotePool> {
  const s = await startServer();
  servers.push(s);
  const pool = await createClient({ baseUrl: s.url }).createPool("t");
  for (let i = 1; i <= 3; i++) await pool.append({ i });
  return pool;
}

async function seqs(iterable: AsyncIterable<{ seq: number }>): Promise<number[]> {
  const out: number[] = [];
  for await (const m of iterable) out.push(m.seq);
  return out;
}

describe("follow: false", () => {
  it("tail replays from since and ends caught-up", async () => {
    const pool = await setup();
    const ends: TailEnd[] = [];
    const got = await seqs(pool.tail({ since: 2, follow: false, onEnd: (r) => ends.push(r) }));
    expect(got).toEqual([2, 3]);
    expect(ends).toEqual(["caught-up"]);
    expect(await seqs(pool.tail({ last: 1, follow: false }))).toEqual([3]);
    expect(await seqs(pool.tail({ follow: false }))).toEqual([]);
  }, 10_000);

  it("max still ends first", async () => {
    const pool = await setup();
    const ends: TailEnd[] = [];
    const got = await seqs(
      pool.tail({ since: 1, max: 2, follow: false, onEnd: (r) => ends.push(r) }),
    );
    expect(got).toEqual([1, 2]);
    expect(ends).toEqual(["max"]);
  }, 10_000);

  it("follow ends caught-up too, with a closed status", async () => {
    const pool = await setup();
    const states: FollowStatus[] = [];
    const got = await seqs(
      pool.follow({ since: 1, follow: false, onStatus: (s) => states.push(s) }),
    );
    expect(got).toEqual([1, 2, 3]);
    expect(states.at(-1)).toEqual({ state: "closed", reason: "caught-up" });
  }, 10_000);

  it("a non-boolean follow is Usage", async () => {
    const pool = await setup();
    await expect(seqs(pool.tail({ follow: "no" } as never))).rejects.toMatchObject({
      kind: "Usage",
    });
  }, 10_000);
});

/**
 * `where` and `sinceTime` in the SDK: forwarded as `where=` and `since_time=` (the server
 * filters and seeks), their shape checked before a request is sent (a bad list, an invalid
 * instant, two start options; a bad expression is the server's 400), against a real server on
 * 127.0.0.1.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createClient, type RemotePool } from "../src/index.js";
import { tailQuery } from "../src/options.js";
import { offlineClient } from "./helpers/offline.js";
import { startServer, type TestServer } from "./helpers/server.js";

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
  servers = [];
});

async function seqs(iterable: AsyncIterable<{ seq: number }>): Promise<number[]> {
  const out: number[] = [];
  for await (const m of iterable) out.push(m.seq);
  return out;
}

describe("SDK where and sinceTime", () => {
  it("the server filters and seeks", async () => {
    const s = await startServer();
    servers.push(s);
    const pool: RemotePool = await createClient({ baseUrl: s.url }).createPool("t");
    for (let i = 1; i <= 3; i++) await pool.append({ i });
    await new Promise((r) => setTimeout(r, 20));
    const cut = new Date();
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 4; i <= 6; i++) await pool.append({ i });
    expect(await seqs(pool.tail({ since: 1, follow: false, where: ".data.i % 2 == 0" }))).toEqual([
      2, 4, 6,
    ]);
    expect(
      await seqs(pool.tail({ since: 1, follow: false, where: [".data.i > 1", ".data.i < 3"] })),
    ).toEqual([2]);
    expect(await seqs(pool.tail({ sinceTime: cut, follow: false }))).toEqual([4, 5, 6]);
    expect(
      await seqs(pool.tail({ sinceTime: cut.toISOString(), follow: false, where: ".data.i > 4" })),
    ).toEqual([5, 6]);
    expect(await seqs(pool.follow({ since: 1, follow: false, where: ".data.i == 3" }))).toEqual([
      3,
    ]);
  }, 15_000);

  it("refuses bad options before sending anything", async () => {
    const { client, requests } = offlineClient();
    const pool = client.pool("t");
    const first = (o: Parameters<RemotePool["tail"]>[0]) =>
      pool.tail(o)[Symbol.asyncIterator]().next();
    await expect(first({ where: 1 as never })).rejects.toThrow(/where must be a string/);
    await expect(first({ where: "" })).rejects.toThrow(/empty where expression/);
    await expect(first({ where: new Array(17).fill(".a") })).rejects.toThrow(/too many where/);
    await expect(first({ sinceTime: "2026-04-31T00:00:00Z" })).rejects.toThrow(/April has 30 days/);
    await expect(first({ sinceTime: new Date(Number.NaN) })).rejects.toThrow(/invalid Date/);
    await expect(first({ sinceTime: new Date(), since: 1 })).rejects.toThrow(/since and sinceTime/);
    expect(requests()).toBe(0);
  });

  it("a bad expression is the server's 400 Usage, before the stream starts", async () => {
    const s = await startServer();
    servers.push(s);
    const pool: RemotePool = await createClient({ baseUrl: s.url }).createPool("bad");
    const first = (o: Parameters<RemotePool["tail"]>[0]) =>
      pool.tail(o)[Symbol.asyncIterator]().next();
    await expect(first({ where: ".data >" })).rejects.toMatchObject({
      kind: "Usage",
      status: 400,
      message: expect.stringMatching(/invalid where expression/),
    });
    await expect(first({ where: "input" })).rejects.toMatchObject({
      kind: "Usage",
      message: expect.stringMatching(/`input` is not available/),
    });
  });

  it("spells them as the protocol's query", () => {
    expect(
      tailQuery({ sinceTime: "2026-11-22T10:00:00Z", where: ['.a == "x"', ".b"] }).toString(),
    ).toBe("since_time=2026-11-22T10%3A00%3A00Z&where=.a+%3D%3D+%22x%22&where=.b&gap_lines=1");
  });
});

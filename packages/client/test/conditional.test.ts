/**
 * Conditional appends through the SDK: `expectedLastSeq` on append, appendJson and appendBatch
 * becomes the body's `expected_last_seq`; a refusal is a Conflict (409) carrying `newestSeq`,
 * nothing appended; an empty batch's condition is answered from info; bad values are refused
 * before sending. A kind the SDK does not know (a newer server's) reads as Internal.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createClient, isSpoolError, SpoolHttpError } from "../src/index.js";
import { offlineClient } from "./helpers/offline.js";
import { rejection, startServer, type TestServer } from "./helpers/server.js";

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.dispose()));
  servers = [];
});

describe("SDK expectedLastSeq", () => {
  it("commits on the expected newest seq, else Conflict with newestSeq", async () => {
    const s = await startServer();
    servers.push(s);
    const pool = await createClient({ baseUrl: s.url }).createPool("c");
    expect((await pool.append(1, { expectedLastSeq: 0 })).seq).toBe(1);
    const stale = await rejection(pool.append(2, { expectedLastSeq: 0 }));
    expect(stale).toBeInstanceOf(SpoolHttpError);
    expect(stale).toMatchObject({ kind: "Conflict", status: 409, newestSeq: 1 });
    expect((await pool.appendJson('{"n":2}', { expectedLastSeq: 1 })).seq).toBe(2);
    const batch = await pool.appendBatch([{ data: 3 }, { data: 4 }], { expectedLastSeq: 2 });
    expect(batch.map((m) => m.seq)).toEqual([3, 4]);
    await expect(pool.appendBatch([{ data: 5 }], { expectedLastSeq: 2 })).rejects.toMatchObject({
      kind: "Conflict",
      newestSeq: 4,
    });
    expect(await pool.appendBatch([], { expectedLastSeq: 4 })).toEqual([]);
    await expect(pool.appendBatch([], { expectedLastSeq: 3 })).rejects.toMatchObject({
      kind: "Conflict",
      newestSeq: 4,
    });
    expect((await pool.info()).bounds).toEqual({ oldest: 1, newest: 4 });
  });

  it("refuses bad values and misspellings before sending", async () => {
    const { client, requests } = offlineClient();
    const pool = client.pool("c");
    for (const bad of [-1, 1.5, "1", Number.NaN]) {
      const error = await rejection(pool.append(1, { expectedLastSeq: bad as number }));
      expect(isSpoolError(error, "Usage")).toBe(true);
    }
    const typo = await rejection(pool.append(1, { expectedLastseq: 1 } as never));
    expect((typo as Error).message).toMatch(/expectedLastseq/);
    expect(requests()).toBe(0);
  });

  it("reads an error kind it does not know as Internal, keeping message and hint", async () => {
    const client = createClient({
      baseUrl: "http://127.0.0.1:9",
      fetch: async () =>
        new Response(
          JSON.stringify({ error: { kind: "FromTheFuture", message: "new", hint: "upgrade" } }),
          { status: 422, headers: { "content-type": "application/json", "spool-version": "0" } },
        ),
    });
    const error = await rejection(client.pool("c").info());
    expect(error).toMatchObject({ kind: "Internal", message: "new", hint: "upgrade", status: 422 });
  });
});

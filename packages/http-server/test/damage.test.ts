/**
 * A pool file cut short under a live server: the server keeps the pool open, so only the
 * writer's own length check stands between an append and an acknowledgement that no fresh open
 * (a restarted server, the CLI) could read back. Through a real socket, like a client sees it.
 */
import { statSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { openPool } from "@spool/core";
import { afterEach, describe, expect, it } from "vitest";
import { type Fixture, makeApp, type Served, send, serveApp } from "./helpers/fixtures.js";

let fixture: Fixture | undefined;
let served: Served | undefined;

afterEach(async () => {
  await served?.dispose();
  await fixture?.dispose();
  served = undefined;
  fixture = undefined;
});

/** A response body as the tests read it. */
interface Body {
  error?: { kind: string; message: string; hint?: string };
}

async function post(
  url: string,
  path: string,
  body: unknown,
): Promise<{ status: number; json: Body }> {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Body };
}

describe("a pool file cut short under a live server", () => {
  it("answers appends 500 Corrupt with a hint, acknowledges nothing, and reads what it acknowledged before", async () => {
    fixture = makeApp();
    served = await serveApp(fixture.app);
    const { url } = served;
    expect((await post(url, "/v0/pools", { pool: "cut", size_bytes: 65536 })).status).toBe(200);
    for (let i = 1; i <= 100; i++)
      expect((await post(url, "/v0/pools/cut/append", { data: { i } })).status).toBe(200);
    const path = join(fixture.dir, "cut.spool");
    truncateSync(path, 32768);
    for (const body of [{ data: { late: 1 } }, { data: { late: 2 }, durability: "flush" }]) {
      const res = await post(url, "/v0/pools/cut/append", body);
      expect(res.status).toBe(500);
      expect(res.json.error?.kind).toBe("Corrupt");
      expect(res.json.error?.message).toMatch(/truncated/);
      expect(res.json.error?.hint).toMatch(/operator/);
      expect(res.json.error?.hint).not.toMatch(/spool doctor/);
    }
    const batch = await post(url, "/v0/pools/cut/append_batch", {
      messages: [{ data: 1 }, { data: 2 }],
    });
    expect(batch.json.error?.kind).toBe("Corrupt");
    expect(statSync(path).size).toBe(32768); // nothing re-extended the file
    // What a restarted server or the CLI sees: the same answer, never a message it could not read.
    expect(() => openPool(path)).toThrow(expect.objectContaining({ kind: "Corrupt" }));
    expect((await send(fixture.app, "GET", "/v0/pools/cut/messages/101")).status).not.toBe(200);
    const first = await send(fixture.app, "GET", "/v0/pools/cut/messages/1"); // before the cut
    expect(first.status).toBe(200);
    expect(first.json.message.data).toEqual({ i: 1 });
  });
});

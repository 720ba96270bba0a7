// Conditional appends over HTTP: `expected_last_seq` in the body of append and append_batch (or
// the Spool-Expected-Last-Seq header) commits only on the pool's newest seq; otherwise 409
// Conflict whose error envelope carries `newest_seq` and a hint in HTTP words, and nothing is
// appended. Bad values and a body/header disagreement are 400 Usage before anything is written.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fixture, makeApp, send } from "./helpers/fixtures.js";

let f: Fixture;
beforeAll(async () => {
  f = makeApp({});
  await send(f.app, "POST", "/v0/pools", { pool: "c" });
});
afterAll(async () => {
  await f.dispose();
});

type ErrorBody = { error: { kind: string; newest_seq?: number; hint?: string; message: string } };

async function newest(): Promise<number | undefined> {
  const info = await send(f.app, "GET", "/v0/pools/c/info");
  return (info.json as { pool: { bounds: { newest?: number } } }).pool.bounds.newest;
}

describe("expected_last_seq", () => {
  test("append commits on the expected newest seq, else 409 Conflict with newest_seq", async () => {
    const first = await send(f.app, "POST", "/v0/pools/c/append", {
      data: 1,
      expected_last_seq: 0,
    });
    expect(first.status).toBe(200);
    const stale = await send(f.app, "POST", "/v0/pools/c/append", {
      data: 2,
      expected_last_seq: 0,
    });
    expect(stale.status).toBe(409);
    const error = (stale.json as ErrorBody).error;
    expect(error.kind).toBe("Conflict");
    expect(error.newest_seq).toBe(1);
    expect(error.hint).toContain("expected_last_seq");
    expect(error.hint).not.toContain("expectedLastSeq set");
    expect(await newest()).toBe(1);
    const ok = await send(f.app, "POST", "/v0/pools/c/append", { data: 2, expected_last_seq: 1 });
    expect(ok.status).toBe(200);
  });

  test("append_batch is conditional as one commit", async () => {
    const batch = { messages: [{ data: "a" }, { data: "b" }] };
    const stale = await send(f.app, "POST", "/v0/pools/c/append_batch", {
      ...batch,
      expected_last_seq: 1,
    });
    expect(stale.status).toBe(409);
    expect((stale.json as ErrorBody).error.newest_seq).toBe(2);
    expect(await newest()).toBe(2);
    const ok = await send(f.app, "POST", "/v0/pools/c/append_batch", {
      ...batch,
      expected_last_seq: 2,
    });
    expect(ok.status).toBe(200);
    expect(await newest()).toBe(4);
  });

  test("the Spool-Expected-Last-Seq header is the same condition", async () => {
    const stale = await send(
      f.app,
      "POST",
      "/v0/pools/c/append",
      { data: 5 },
      {
        "Spool-Expected-Last-Seq": "3",
      },
    );
    expect(stale.status).toBe(409);
    expect((stale.json as ErrorBody).error.newest_seq).toBe(4);
    const ok = await send(
      f.app,
      "POST",
      "/v0/pools/c/append",
      { data: 5 },
      {
        "spool-expected-last-seq": "4",
      },
    );
    expect(ok.status).toBe(200);
    const both = await send(
      f.app,
      "POST",
      "/v0/pools/c/append",
      { data: 6, expected_last_seq: 5 },
      {
        "Spool-Expected-Last-Seq": "5",
      },
    );
    expect(both.status).toBe(200);
  });

  test("bad values and a disagreement are 400 Usage and append nothing", async () => {
    const before = await newest();
    for (const bad of [-1, 1.5, "5", null, 2 ** 53]) {
      const r = await send(f.app, "POST", "/v0/pools/c/append", {
        data: 0,
        expected_last_seq: bad,
      });
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect((r.json as ErrorBody).error.kind).toBe("Usage");
    }
    for (const bad of ["-1", "abc", "1.0", "99999999999999999"]) {
      const r = await send(
        f.app,
        "POST",
        "/v0/pools/c/append",
        { data: 0 },
        {
          "Spool-Expected-Last-Seq": bad,
        },
      );
      expect(r.status, bad).toBe(400);
      expect((r.json as ErrorBody).error.message).toContain("Spool-Expected-Last-Seq");
    }
    const disagree = await send(
      f.app,
      "POST",
      "/v0/pools/c/append",
      {
        data: 0,
        expected_last_seq: 6,
      },
      { "Spool-Expected-Last-Seq": "5" },
    );
    expect(disagree.status).toBe(400);
    expect(await newest()).toBe(before);
  });

  test("a misspelled field is refused with the right spelling, never ignored", async () => {
    const r = await send(f.app, "POST", "/v0/pools/c/append", { data: 0, expected_seq: 0 });
    expect(r.status).toBe(400);
    expect((r.json as ErrorBody).error.message).toContain('unknown body field "expected_seq"');
    expect((r.json as ErrorBody).error.hint).toContain("expected_last_seq");
  });
});

// Idempotent producers over HTTP: `producer_id`, `producer_seq`, `producer_epoch` in the body of
// append and append_batch (or the Spool-Producer-* headers). A retried message is answered as the
// original envelope with "duplicate":true (the stored bytes), or a receipt {"seq":N|null,
// "duplicate":true}; a seq past the next is 409 with expected_seq, a stale epoch 409 with epoch;
// bad inputs are 400 Usage and append nothing; GET /v0/pools/{pool}/producers/{id} answers the
// kept state (404 with a hint when none) and obeys tokens and access modes like info.
import { Pool } from "@spool/core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fixture, makeApp, send } from "./helpers/fixtures.js";

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response JSON
type Json = any;

let f: Fixture;
beforeAll(async () => {
  f = makeApp({});
  await send(f.app, "POST", "/v0/pools", { pool: "p" });
});
afterAll(async () => {
  await f.dispose();
});

async function newest(pool = "p"): Promise<number | undefined> {
  const info = await send(f.app, "GET", `/v0/pools/${pool}/info`);
  return (info.json as Json).pool.bounds.newest;
}

describe("producer appends", () => {
  test("append numbers by producer; a retry answers the original, marked, from its bytes", async () => {
    const first = await send(
      f.app,
      "POST",
      "/v0/pools/p/append",
      '{"data":{"n":1.50,"big":12345678901234567890},"tags":["t"],"producer_id":"ingest-1","producer_seq":1}',
    );
    expect(first.status).toBe(200);
    expect(first.json.message.duplicate).toBeUndefined();
    const seq = first.json.message.seq as number;
    const again = await send(f.app, "POST", "/v0/pools/p/append", {
      data: { other: true },
      producer_id: "ingest-1",
      producer_seq: 1,
    });
    expect(again.status).toBe(200);
    // The original envelope, byte for byte, with the mark as its last member.
    const original = first.text.slice('{"message":'.length, -1);
    expect(again.text).toBe(`{"message":${original.slice(0, -1)},"duplicate":true}}`);
    expect(again.text).toContain('"big":12345678901234567890');
    expect(await newest()).toBe(seq);
    const next = await send(f.app, "POST", "/v0/pools/p/append", {
      data: 2,
      producer_id: "ingest-1",
      producer_seq: 2,
    });
    expect(next.json.message.seq).toBe(seq + 1);
  });

  test("append_batch: the committed prefix is answered as duplicates, the rest committed", async () => {
    const batch = await send(f.app, "POST", "/v0/pools/p/append_batch", {
      messages: [{ data: "a" }, { data: "b" }, { data: "c" }],
      producer_id: "batcher",
      producer_seq: 1,
    });
    expect(batch.status).toBe(200);
    const seqs = (batch.json.messages as Json[]).map((m) => m.seq);
    const overlap = await send(f.app, "POST", "/v0/pools/p/append_batch", {
      messages: [{ data: "b" }, { data: "c" }, { data: "d" }, { data: "e" }],
      producer_id: "batcher",
      producer_seq: 2,
    });
    expect(overlap.status).toBe(200);
    const answers = overlap.json.messages as Json[];
    expect(answers.map((m) => m.duplicate)).toEqual([true, true, undefined, undefined]);
    expect(answers.map((m) => m.seq)).toEqual([
      seqs[1],
      seqs[2],
      (seqs[2] as number) + 1,
      (seqs[2] as number) + 2,
    ]);
    expect(answers.map((m) => m.data)).toEqual(["b", "c", "d", "e"]);
    const state = await send(f.app, "GET", "/v0/pools/p/producers/batcher");
    expect(state.json.producer).toMatchObject({ id: "batcher", epoch: 0, last_seq: 5 });
  });

  test("a duplicate the pool cannot show is a receipt {seq, duplicate}", async () => {
    for (const seq of [1, 2]) {
      await send(f.app, "POST", "/v0/pools/p/append", {
        data: seq,
        producer_id: "receipts",
        producer_seq: seq,
      });
    }
    // seq 1 was committed before the producer's last commit: its pool seq is no longer known.
    const old = await send(f.app, "POST", "/v0/pools/p/append", {
      data: 1,
      producer_id: "receipts",
      producer_seq: 1,
    });
    expect(old.status).toBe(200);
    expect(old.text).toBe('{"message":{"seq":null,"duplicate":true}}');
    const batch = await send(f.app, "POST", "/v0/pools/p/append_batch", {
      messages: [{ data: 1 }, { data: 2 }],
      producer_id: "receipts",
      producer_seq: 1,
    });
    expect(batch.json.messages[0]).toEqual({ seq: null, duplicate: true });
    expect(batch.json.messages[1].duplicate).toBe(true);
    expect(batch.json.messages[1].data).toBe(2);
  });

  test("a seq past the next is 409 with expected_seq; a stale epoch 409 with epoch", async () => {
    await send(f.app, "POST", "/v0/pools/p/append", {
      data: 1,
      producer_id: "fenced",
      producer_seq: 1,
      producer_epoch: 3,
    });
    const before = await newest();
    const gap = await send(f.app, "POST", "/v0/pools/p/append", {
      data: 3,
      producer_id: "fenced",
      producer_seq: 3,
      producer_epoch: 3,
    });
    expect(gap.status).toBe(409);
    expect(gap.json.error).toMatchObject({ kind: "Conflict", expected_seq: 2 });
    expect(gap.json.error.hint).toContain("producer_seq");
    const stale = await send(f.app, "POST", "/v0/pools/p/append_batch", {
      messages: [{ data: 2 }],
      producer_id: "fenced",
      producer_seq: 2,
      producer_epoch: 2,
    });
    expect(stale.status).toBe(409);
    expect(stale.json.error).toMatchObject({ kind: "Conflict", epoch: 3 });
    expect(stale.json.error.hint).toContain("producer_epoch");
    expect(await newest()).toBe(before);
    // A higher epoch starts afresh at any seq.
    const fresh = await send(f.app, "POST", "/v0/pools/p/append", {
      data: 9,
      producer_id: "fenced",
      producer_seq: 100,
      producer_epoch: 4,
    });
    expect(fresh.status).toBe(200);
  });

  test("expected_last_seq is checked for the non-duplicate part only", async () => {
    const n = (await newest()) as number;
    const ok = await send(f.app, "POST", "/v0/pools/p/append", {
      data: 1,
      producer_id: "cond",
      producer_seq: 1,
      expected_last_seq: n,
    });
    expect(ok.status).toBe(200);
    const retry = await send(f.app, "POST", "/v0/pools/p/append", {
      data: 1,
      producer_id: "cond",
      producer_seq: 1,
      expected_last_seq: n,
    });
    expect(retry.status).toBe(200);
    expect(retry.json.message.duplicate).toBe(true);
    const stale = await send(f.app, "POST", "/v0/pools/p/append", {
      data: 2,
      producer_id: "cond",
      producer_seq: 2,
      expected_last_seq: n,
    });
    expect(stale.status).toBe(409);
    expect(stale.json.error.newest_seq).toBe(n + 1);
  });

  test("the Spool-Producer-* headers are the same fields", async () => {
    const headers = { "Spool-Producer-Id": "hdr", "Spool-Producer-Seq": "1" };
    const first = await send(f.app, "POST", "/v0/pools/p/append", { data: 1 }, headers);
    expect(first.status).toBe(200);
    const again = await send(f.app, "POST", "/v0/pools/p/append", { data: 1 }, headers);
    expect(again.json.message.duplicate).toBe(true);
    const both = await send(
      f.app,
      "POST",
      "/v0/pools/p/append_batch",
      { messages: [{ data: 2 }], producer_id: "hdr", producer_seq: 2, producer_epoch: 0 },
      { "spool-producer-id": "hdr", "spool-producer-seq": "2", "spool-producer-epoch": "0" },
    );
    expect(both.status).toBe(200);
    expect(both.json.messages[0].duplicate).toBeUndefined();
    const state = await send(f.app, "GET", "/v0/pools/p/producers/hdr");
    expect(state.json.producer.last_seq).toBe(2);
  });

  test("bad inputs are 400 Usage and append nothing", async () => {
    const before = await newest();
    const cases: [Record<string, unknown>, Record<string, string>, RegExp][] = [
      [{ producer_id: "", producer_seq: 1 }, {}, /producer_id/],
      [{ producer_id: "x".repeat(65), producer_seq: 1 }, {}, /producer_id/],
      [{ producer_id: "sp ace", producer_seq: 1 }, {}, /producer_id/],
      [{ producer_id: 7, producer_seq: 1 }, {}, /producer_id/],
      [{ producer_id: "a", producer_seq: -1 }, {}, /producer_seq/],
      [{ producer_id: "a", producer_seq: 1.5 }, {}, /producer_seq/],
      [{ producer_id: "a", producer_seq: "1" }, {}, /producer_seq/],
      [{ producer_id: "a", producer_seq: 1, producer_epoch: -2 }, {}, /producer_epoch/],
      [{ producer_id: "a", producer_seq: 1, producer_epoch: 0.5 }, {}, /producer_epoch/],
      [{ producer_id: "a", producer_seq: 2 ** 53 }, {}, /producer_seq/],
      [{ producer_seq: 1 }, {}, /without producer_id/],
      [{ producer_epoch: 1 }, {}, /without producer_id/],
      [{ producer_id: "a" }, {}, /without producer_seq/],
      [{}, { "Spool-Producer-Seq": "1" }, /without producer_id/],
      [{}, { "Spool-Producer-Id": "a" }, /without producer_seq/],
      [{}, { "Spool-Producer-Id": "a", "Spool-Producer-Seq": "-1" }, /Spool-Producer-Seq/],
      [{}, { "Spool-Producer-Id": "a", "Spool-Producer-Seq": "1.0" }, /Spool-Producer-Seq/],
      [
        {},
        { "Spool-Producer-Id": "a", "Spool-Producer-Seq": "1", "Spool-Producer-Epoch": "x" },
        /Spool-Producer-Epoch/,
      ],
      [{}, { "Spool-Producer-Id": "a b", "Spool-Producer-Seq": "1" }, /Spool-Producer-Id/],
      [{ producer_id: "a", producer_seq: 1 }, { "Spool-Producer-Id": "b" }, /in the body but/],
      [{ producer_id: "a", producer_seq: 1 }, { "Spool-Producer-Seq": "2" }, /in the body but/],
      [
        { producer_id: "a", producer_seq: 1, producer_epoch: 1 },
        { "Spool-Producer-Epoch": "2" },
        /in the body but/,
      ],
    ];
    for (const [fields, headers, message] of cases) {
      for (const [path, body] of [
        ["append", { data: 0, ...fields }],
        ["append_batch", { messages: [{ data: 0 }], ...fields }],
      ] as const) {
        const r = await send(f.app, "POST", `/v0/pools/p/${path}`, body, headers);
        const what = `${path} ${JSON.stringify(fields)} ${JSON.stringify(headers)}`;
        expect(r.status, what).toBe(400);
        expect(r.json.error.kind, what).toBe("Usage");
        expect(r.json.error.message, what).toMatch(message);
        expect(r.json.error.hint, what).toBeTruthy();
      }
    }
    expect(await newest()).toBe(before);
  });

  test("misspelt producer fields are refused naming the right spelling", async () => {
    const r = await send(f.app, "POST", "/v0/pools/p/append", {
      data: 0,
      producerId: "a",
      producer_seq: 1,
    });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/producerId.*producer_id/);
    const seq = await send(f.app, "POST", "/v0/pools/p/append_batch", {
      messages: [{ data: 0, producer_seq: 1 }],
      producer_id: "a",
      producer_seq: 1,
    });
    expect(seq.status).toBe(400);
    expect(seq.json.error.message).toMatch(/messages\[0\]\.producer_seq/);
  });
});

describe("GET /v0/pools/{pool}/producers/{id}", () => {
  test("answers the kept state in wire spelling, 404 with a hint when none", async () => {
    const appended = await send(f.app, "POST", "/v0/pools/p/append", {
      data: 1,
      producer_id: "host:worker/1@x",
      producer_seq: 7,
      producer_epoch: 2,
    });
    const state = await send(
      f.app,
      "GET",
      `/v0/pools/p/producers/${encodeURIComponent("host:worker/1@x")}`,
    );
    expect(state.status).toBe(200);
    expect(Object.keys(state.json)).toEqual(["producer"]);
    expect(Object.keys(state.json.producer)).toEqual([
      "id",
      "epoch",
      "last_seq",
      "last_pool_seq",
      "last_time",
    ]);
    expect(state.json.producer).toMatchObject({
      id: "host:worker/1@x",
      epoch: 2,
      last_seq: 7,
      last_pool_seq: appended.json.message.seq,
      last_time: appended.json.message.time,
    });
    const none = await send(f.app, "GET", "/v0/pools/p/producers/nobody");
    expect(none.status).toBe(404);
    expect(none.json.error.kind).toBe("NotFound");
    expect(none.json.error.hint).toMatch(/producer_seq 1/);
    const info = await send(f.app, "GET", "/v0/pools/p/info");
    expect(info.json.pool.producers.map((p: Json) => p.id)).toContain("host:worker/1@x");
  });

  test("bad ids, unknown pools and query parameters", async () => {
    const long = await send(f.app, "GET", `/v0/pools/p/producers/${"x".repeat(65)}`);
    expect(long.status).toBe(400);
    expect(long.json.error.kind).toBe("Usage");
    const spaced = await send(f.app, "GET", "/v0/pools/p/producers/a%20b");
    expect(spaced.status).toBe(400);
    const missing = await send(f.app, "GET", "/v0/pools/nope/producers/a");
    expect(missing.status).toBe(404);
    expect(missing.json.error.hint).toContain("POST /v0/pools");
    const query = await send(f.app, "GET", "/v0/pools/p/producers/a?x=1");
    expect(query.status).toBe(400);
    const post = await send(f.app, "POST", "/v0/pools/p/producers/a", {});
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  test("a fresh pool keeps no producer yet: 404", async () => {
    await send(f.app, "POST", "/v0/pools", { pool: "fresh" });
    const none = await send(f.app, "GET", "/v0/pools/fresh/producers/a");
    expect(none.status).toBe(404);
  });
});

describe("tokens and access modes", () => {
  test("read-only tokens read producer state but may not append; write-only may read state", async () => {
    const g = makeApp({
      tokens: [
        { token: "rw", access: "read-write" },
        { token: "ro", access: "read-only" },
        { token: "wo", access: "write-only" },
      ],
    });
    try {
      const auth = (t: string) => ({ authorization: `Bearer ${t}` });
      await send(g.app, "POST", "/v0/pools", { pool: "q" }, auth("rw"));
      const denied = await send(
        g.app,
        "POST",
        "/v0/pools/q/append",
        { data: 1, producer_id: "a", producer_seq: 1 },
        auth("ro"),
      );
      expect(denied.status).toBe(403);
      const ok = await send(
        g.app,
        "POST",
        "/v0/pools/q/append",
        { data: 1, producer_id: "a", producer_seq: 1 },
        auth("wo"),
      );
      expect(ok.status).toBe(200);
      for (const t of ["ro", "wo", "rw"]) {
        const state = await send(g.app, "GET", "/v0/pools/q/producers/a", undefined, auth(t));
        expect(state.status, t).toBe(200);
      }
      const anonymous = await send(g.app, "GET", "/v0/pools/q/producers/a");
      expect(anonymous.status).toBe(401);
    } finally {
      await g.dispose();
    }
  });

  test("a read-only server refuses producer appends with 403 and nothing is written", async () => {
    const g = makeApp({ access: "read-only" });
    try {
      const pool = Pool.create(`${g.dir}/r.spool`);
      pool.close();
      const r = await send(g.app, "POST", "/v0/pools/r/append", {
        data: 1,
        producer_id: "a",
        producer_seq: 1,
      });
      expect(r.status).toBe(403);
      expect(r.json.error.kind).toBe("Permission");
      const state = await send(g.app, "GET", "/v0/pools/r/producers/a");
      expect(state.status).toBe(404);
    } finally {
      await g.dispose();
    }
  });
});

describe("CORS", () => {
  test("the producer headers are allowed request headers", async () => {
    const g = makeApp({ cors: { origins: ["https://app.example"] } });
    try {
      const pre = await send(g.app, "OPTIONS", "/v0/pools/p/append", undefined, {
        origin: "https://app.example",
        "access-control-request-method": "POST",
      });
      const allowed = pre.headers.get("access-control-allow-headers") ?? "";
      for (const h of ["spool-producer-id", "spool-producer-epoch", "spool-producer-seq"]) {
        expect(allowed).toContain(h);
      }
    } finally {
      await g.dispose();
    }
  });
});

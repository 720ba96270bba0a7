// The tail framings as pure functions (SSE events spliced from JSONL chunks) and the JSONL
// tail's opt-in gap lines (`gap_lines=1`) through app.fetch.
import { SpoolError } from "@spool/core";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { jsonlFraming, sseFraming, sseMessages } from "../src/framing.js";
import { type Fixture, makeApp, send } from "./helpers/fixtures.js";
import { parseSse } from "./helpers/sse.js";

const line = (seq: number, data: string) =>
  `{"seq":${seq},"time":"2026-11-22T10:15:30.123456789Z","meta":{"tags":[]},"data":${data}}\n`;

describe("sseMessages", () => {
  test("one event per line, id copied from the line's seq, data the line without its newline", () => {
    const chunk = Buffer.from(line(7, '{"a":"b: c\\n"}') + line(12345678901, '"é"'));
    const text = sseMessages(chunk).toString("utf8");
    expect(text).toBe(
      `id: 7\ndata: ${line(7, '{"a":"b: c\\n"}').trimEnd()}\n\n` +
        `id: 12345678901\ndata: ${line(12345678901, '"é"').trimEnd()}\n\n`,
    );
    expect(parseSse(text).map((e) => [e.id, JSON.parse(e.data).seq])).toEqual([
      ["7", 7],
      ["12345678901", 12345678901],
    ]);
  });

  test("an empty chunk is no event; a line that is not an envelope is an internal error", () => {
    expect(sseMessages(Buffer.alloc(0)).length).toBe(0);
    expect(() => sseMessages(Buffer.from('{"error":1}\n'))).toThrow(/seq/);
  });

  test("error, gap and end events; retry only when asked", () => {
    const sse = sseFraming({});
    expect(sse.start()).toBeUndefined();
    expect(Buffer.from(sseFraming({ retryMs: 250 }).start()!).toString()).toBe("retry: 250\n\n");
    const error = new SpoolError("Busy", "bye\nnow", { hint: "later" });
    const [event] = parseSse(Buffer.from(sse.error(error)).toString());
    expect(event).toMatchObject({ event: "error", id: undefined });
    expect(JSON.parse(event!.data)).toEqual({
      error: { kind: "Busy", message: "bye\nnow", hint: "later" },
    });
    const [gap] = parseSse(Buffer.from(sse.gap({ from: 3, to: 9, count: 7 })!).toString());
    expect(gap).toMatchObject({ event: "gap", id: "9", data: '{"from":3,"to":9,"count":7}' });
    expect(Buffer.from(sse.end("max")!).toString()).toBe('event: end\ndata: {"reason":"max"}\n\n');
  });

  test("JSONL passes chunks through; gap lines only when asked", () => {
    const chunk = Buffer.from(line(1, "1"));
    expect(jsonlFraming({ gapLines: false }).lines(chunk)).toBe(chunk);
    expect(jsonlFraming({ gapLines: false }).gap({ from: 1, to: 2, count: 2 })).toBeUndefined();
    expect(
      Buffer.from(jsonlFraming({ gapLines: true }).gap({ from: 1, to: 2, count: 2 })!).toString(),
    ).toBe('{"gap":{"from":1,"to":2,"count":2}}\n');
    expect(jsonlFraming({ gapLines: true }).end("timeout")).toBeUndefined();
  });
});

describe("JSONL gap lines", () => {
  let f: Fixture;
  let oldest: number;
  beforeEach(async () => {
    f = makeApp();
    await send(f.app, "POST", "/v0/pools", { pool: "small", size_bytes: 16384 });
    const big = "w".repeat(2000);
    for (let i = 0; i < 20; i++) await send(f.app, "POST", "/v0/pools/small/append", { data: big });
    oldest = (await send(f.app, "GET", "/v0/pools/small/info")).json.pool.bounds.oldest;
  });
  afterEach(async () => {
    await f.dispose();
  });

  const lines = (text: string) =>
    text
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));

  test("gap_lines=1 reports a gap as one {gap} line before the jump", async () => {
    const res = await send(f.app, "GET", "/v0/pools/small/tail?since_seq=1&gap_lines=1&max=2");
    expect(res.status).toBe(200);
    expect(lines(res.text)).toEqual([
      { gap: { from: 1, to: oldest - 1, count: oldest - 1 } },
      expect.objectContaining({ seq: oldest }),
      expect.objectContaining({ seq: oldest + 1 }),
    ]);
  });

  test("without gap_lines (or gap_lines=0) the stream is envelopes only, as before", async () => {
    for (const q of ["", "&gap_lines=0"]) {
      const res = await send(f.app, "GET", `/v0/pools/small/tail?since_seq=1&max=2${q}`);
      expect(lines(res.text).map((m) => m.seq)).toEqual([oldest, oldest + 1]);
    }
  });

  test("gap_lines takes only 0 or 1", async () => {
    const res = await send(f.app, "GET", "/v0/pools/small/tail?gap_lines=yes");
    expect(res.status).toBe(400);
    expect(res.json.error.kind).toBe("Usage");
    expect(res.json.error.message).toContain("gap_lines");
  });
});

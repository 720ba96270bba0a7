/**
 * The JSONL reader and the lazy message: lines split on newline bytes across any chunk
 * boundaries (fed through a real ReadableStream), canonical envelopes located without a parse,
 * other spellings parsed, non-envelopes refused.
 */
import { describe, expect, it } from "vitest";
import { RemoteMessage } from "../src/index.js";
import { lineReader } from "../src/jsonl.js";
import { messageFromBody } from "../src/message.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

function streamOf(chunks: Uint8Array[]): ReadableStreamDefaultReader<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[i++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk);
    },
  }).getReader();
}

async function allLines(chunks: Uint8Array[]): Promise<{ lines: string[]; partial: number }> {
  const reader = lineReader(streamOf(chunks));
  const lines: string[] = [];
  for (let l = await reader.next(); l; l = await reader.next()) lines.push(dec.decode(l));
  return { lines, partial: reader.partial };
}

function line(seq: number, tags: string[], data: string): string {
  return `{"seq":${seq},"time":"2026-11-22T10:15:30.123456789Z","meta":{"tags":${JSON.stringify(tags)}},"data":${data}}\n`;
}

describe("lineReader", () => {
  it("splits lines at every possible chunk boundary, including inside multi-byte characters", async () => {
    const text = `${line(1, [], '{"a":"é€😀"}')}\n${line(2, ["x]", 'y\\"]'], "[1,2]")}${line(3, [], "3")}`;
    const bytes = enc.encode(text);
    const expected = [
      line(1, [], '{"a":"é€😀"}'),
      line(2, ["x]", 'y\\"]'], "[1,2]"),
      line(3, [], "3"),
    ];
    for (let cut = 1; cut < bytes.length; cut++) {
      const { lines, partial } = await allLines([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(lines).toEqual(expected);
      expect(partial).toBe(0);
    }
    const bytewise = Array.from(bytes, (b) => Uint8Array.of(b));
    expect((await allLines(bytewise)).lines).toEqual(expected);
  });

  it("reports bytes after the last newline as a partial line, not a line", async () => {
    const { lines, partial } = await allLines([enc.encode(`${line(1, [], "1")}{"seq":2,"ti`)]);
    expect(lines).toHaveLength(1);
    expect(partial).toBe(12);
  });
});

describe("RemoteMessage", () => {
  it("locates a canonical line's parts and decodes lazily", () => {
    const raw = enc.encode(line(42, ["a", 'b"]'], '{"n": 1.50, "big": 12345678901234567890}'));
    const m = RemoteMessage.fromLine<{ n: number }>(raw);
    expect(m.seq).toBe(42);
    expect(m.time).toBe("2026-11-22T10:15:30.123456789Z");
    expect(m.timeSec).toBe(Date.UTC(2026, 10, 22, 10, 15, 30) / 1000);
    expect(m.timeNanos).toBe(123456789);
    expect(m.tags).toEqual(["a", 'b"]']);
    expect(dec.decode(m.dataBytes)).toBe('{"n": 1.50, "big": 12345678901234567890}');
    expect(m.data.n).toBe(1.5);
    expect(m.toJsonLine()).toBe(raw);
  });

  it("decodes data only on access: a line with broken data still has its seq, time and tags", () => {
    const m = RemoteMessage.fromLine(enc.encode(line(9, ["x"], "{broken")));
    expect(m.seq).toBe(9);
    expect(m.tags).toEqual(["x"]);
    expect(dec.decode(m.dataBytes)).toBe("{broken");
    expect(() => m.data).toThrow(SyntaxError);
  });

  it("parses other spellings of an envelope, and refuses lines that are not envelopes", () => {
    const spaced = enc.encode(
      '{ "seq": 3, "time": "2026-11-22T10:15:30.000000001Z", "meta": {"tags": ["t"]}, "data": [1] }',
    );
    const m = RemoteMessage.fromLine(spaced);
    expect(m.toJSON()).toEqual({
      seq: 3,
      time: "2026-11-22T10:15:30.000000001Z",
      meta: { tags: ["t"] },
      data: [1],
    });
    expect(m.toJsonLine().at(-1)).toBe(0x0a);
    for (const bad of [
      '{"seq":0,"time":"x","meta":{"tags":[]},"data":1}',
      '{"seq":1}',
      "[]",
      "nope",
    ]) {
      expect(() => RemoteMessage.fromLine(enc.encode(bad))).toThrow();
    }
  });

  it("slices the message out of a spliced response body", () => {
    const body = enc.encode(`{"message":${line(7, [], '{"k":"v"}').trimEnd()}}`);
    const m = messageFromBody<{ k: string }>(body, "message");
    expect(m.seq).toBe(7);
    expect(m.data.k).toBe("v");
    expect(dec.decode(m.toJsonLine())).toBe(line(7, [], '{"k":"v"}'));
  });
});

// Review findings on feed input: bytes that are not UTF-8 are not JSON text (RFC 8259 §8.1), yet
// feed stores them silently changed to U+FFFD, so the stored data differs from the input.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { jsonLines, run, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

describe("feed of bytes that are not UTF-8", () => {
  // Not fixed: records.ts decodes stdin with a replacing StringDecoder, so the record text no
  // longer shows where the bad bytes were; rejecting them per record needs a decoder that reports
  // invalid sequences with their record (a change to the splitter, not a one-liner).
  it("is refused per record (--errors skip), not stored as U+FFFD", async () => {
    expect((await run(dir, ["pool", "create", "p"])).code).toBe(0);
    const input = Buffer.concat([
      Buffer.from('"ok"\n"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"\n"also ok \uFFFD"\n'),
    ]);
    const r = await run(dir, ["feed", "p", "--errors", "skip", "-q"], { input });
    expect(r.code).toBe(1);
    const notices = jsonLines(r.stderr) as { notice: { kind: string; line?: number } }[];
    expect(notices.map((n) => n.notice.kind)).toEqual(["rejected", "summary"]);
    expect(notices[0]?.notice.line).toBe(2);
    const f = await run(dir, ["follow", "p", "--tail", "10", "--data-only", "--timeout", "0.2"]);
    expect(f.stdout).toBe('"ok"\n"also ok \uFFFD"\n');
  });
});

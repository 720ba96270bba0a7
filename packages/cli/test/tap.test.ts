// `spool tap POOL -- CMD ARGS...`: records both output streams line by line with start and exit
// messages, passes stdin through, echoes output, forwards signals, and exits with the child's
// status (128 + signal when killed).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { collect, jsonLines, run, start, tempDir, waitFor } from "./helpers.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

type Envelope = { seq: number; meta: { tags: string[] }; data: Record<string, unknown> };

async function recorded(pool: string): Promise<Envelope[]> {
  return jsonLines(
    (await run(dir, ["follow", pool, "--tail", "1000", "--replay", "0", "--jsonl"])).stdout,
  ) as Envelope[];
}

describe("tap", () => {
  it("records stdout and stderr lines with start and exit messages, and echoes the output", async () => {
    const script = "echo one; echo two >&2; printf 'three\\r\\nfour'; exit 0";
    const r = await run(dir, ["tap", "t", "--create", "--tag", "job", "--", "sh", "-c", script]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("one\nthree\r\nfour");
    expect(r.stderr).toBe("two\n");
    const messages = await recorded("t");
    expect(messages[0]).toMatchObject({
      meta: { tags: ["start", "job"] },
      data: { event: "start", command: ["sh", "-c", script], pid: expect.any(Number) },
    });
    const lines = messages.filter((m) => m.data.stream !== undefined);
    const byStream = (s: string) =>
      lines.filter((m) => m.data.stream === s).map((m) => m.data.line);
    expect(byStream("stdout")).toEqual(["one", "three", "four"]);
    expect(byStream("stderr")).toEqual(["two"]);
    for (const m of lines) expect(m.meta.tags).toEqual([m.data.stream, "job"]);
    const exit = messages[messages.length - 1];
    expect(exit).toMatchObject({
      meta: { tags: ["exit", "job"] },
      data: { event: "exit", code: 0, signal: null, elapsed_ms: expect.any(Number) },
    });
  });

  it("exits with the child's non-zero status", async () => {
    await run(dir, ["pool", "create", "t"]);
    const r = await run(dir, ["tap", "t", "--", "sh", "-c", "echo failing >&2; exit 42"]);
    expect(r.code).toBe(42);
    expect((await recorded("t")).at(-1)?.data).toMatchObject({
      event: "exit",
      code: 42,
      signal: null,
    });
  });

  it("exits 128 + signal when the child is killed, and records the signal", async () => {
    await run(dir, ["pool", "create", "t"]);
    const r = await run(dir, ["tap", "t", "--", "sh", "-c", "echo bye; kill -KILL $$"]);
    expect(r.code).toBe(137);
    expect((await recorded("t")).at(-1)?.data).toMatchObject({
      event: "exit",
      code: null,
      signal: "SIGKILL",
    });
  });

  it.each([
    { signal: "SIGTERM", trap: "TERM", code: 7 },
    { signal: "SIGINT", trap: "INT", code: 5 }, // Ctrl-C
  ] as const)(
    "forwards $signal to the child and exits with its status",
    async ({ signal, trap, code }) => {
      await run(dir, ["pool", "create", "t"]);
      const child = start(dir, [
        "tap",
        "t",
        "--",
        "sh",
        "-c",
        `trap 'echo got-${trap}; exit ${code}' ${trap}; echo ready; while :; do sleep 0.05; done`,
      ]);
      let out = "";
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
      });
      const done = collect(child, 20_000);
      await waitFor(() => out.includes("ready"), 10_000, "the child to start");
      child.kill(signal);
      const r = await done;
      expect(r.code).toBe(code);
      const messages = await recorded("t");
      expect(messages.filter((m) => m.data.stream === "stdout").map((m) => m.data.line)).toEqual([
        "ready",
        `got-${trap}`,
      ]);
      expect(messages.at(-1)?.data).toMatchObject({ event: "exit", code, signal: null });
    },
  );

  it("passes stdin through to the child, and --silent records without echoing", async () => {
    await run(dir, ["pool", "create", "t"]);
    const r = await run(dir, ["tap", "t", "--silent", "--", "sh", "-c", "tr a-z A-Z"], {
      input: "shout\nmore\n",
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const lines = (await recorded("t"))
      .filter((m) => m.data.stream === "stdout")
      .map((m) => m.data.line);
    expect(lines).toEqual(["SHOUT", "MORE"]);
  });

  it("reports a recording failure once as a notice and keeps the child's status", async () => {
    await run(dir, ["pool", "create", "tiny", "--size", "16K"]);
    const r = await run(dir, [
      "tap",
      "tiny",
      "--silent",
      "--",
      "sh",
      "-c",
      "head -c 30000 /dev/zero | tr '\\0' x; echo; echo small; exit 3",
    ]);
    expect(r.code).toBe(3);
    const notices = jsonLines(r.stderr) as { notice: { kind: string; error: { kind: string } } }[];
    expect(notices).toEqual([
      { notice: { kind: "record_error", error: expect.objectContaining({ kind: "Usage" }) } },
    ]);
    const lines = (await recorded("tiny"))
      .filter((m) => m.data.stream === "stdout")
      .map((m) => m.data.line);
    expect(lines).toEqual(["small"]);
  });

  it("fails clearly for a missing command, a missing pool, or no command", async () => {
    await run(dir, ["pool", "create", "t"]);
    const missing = await run(dir, ["tap", "t", "--", "no-such-command-xyz"]);
    expect(missing.code).toBe(3);
    expect(jsonLines(missing.stderr)[0]).toMatchObject({
      error: { kind: "NotFound", hint: expect.stringContaining("PATH") },
    });
    expect((await run(dir, ["tap", "nopool", "--", "true"])).code).toBe(3);
    const none = await run(dir, ["tap", "t"]);
    expect(none.code).toBe(2);
    expect(jsonLines(none.stderr)[0]).toMatchObject({
      error: { kind: "Usage", hint: expect.stringContaining("--") },
    });
  });
});

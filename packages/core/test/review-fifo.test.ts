/**
 * Review finding: a FIFO at a pool path blocked every read-only open forever (open(2) of a FIFO
 * for reading waits for a writer), so `list`, `verify`, `delete` and a read-only `open` hung.
 * The operations run in a child process with a time limit: a blocked synchronous open cannot be
 * interrupted from inside the test's own thread.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { assertBuilt } from "./helpers/children.js";
import { useTempDirs } from "./helpers/temp-dir.js";

const tempDir = useTempDirs("spool-review-fifo-");
const dist = pathToFileURL(join(import.meta.dirname, "..", "dist", "index.js")).href;

/** Runs `expr` (with the package's exports in scope) in a child; its JSON result or error. */
function run(expr: string): { timedOut: boolean; out: unknown } {
  const code = `
    const m = await import(${JSON.stringify(dist)});
    let out;
    try { out = { ok: (${expr}) ?? null }; } catch (e) { out = { kind: e.kind ?? String(e) }; }
    process.stdout.write(JSON.stringify(out, (k, v) => (k === "info" ? undefined : v)));`;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", code], {
    timeout: 5000,
    encoding: "utf8",
  });
  const timedOut = child.signal === "SIGTERM";
  return { timedOut, out: timedOut ? undefined : JSON.parse(child.stdout) };
}

describe("a FIFO named like a pool", () => {
  it("is refused by open, list, verify and delete without hanging", () => {
    assertBuilt();
    const dir = tempDir();
    const fifo = join(dir, "x.spool");
    execFileSync("mkfifo", [fifo]);

    const list = run(`m.listPools({ dir: ${JSON.stringify(dir)} })`);
    expect(list.timedOut).toBe(false);
    expect(list.out).toEqual({
      ok: [
        expect.objectContaining({ name: "x", error: expect.objectContaining({ kind: "Usage" }) }),
      ],
    });

    const open = run(`m.Pool.open(${JSON.stringify(fifo)}, { readOnly: true })`);
    expect(open).toEqual({ timedOut: false, out: { kind: "Usage" } });

    const verify = run(`m.verifyPool(${JSON.stringify(fifo)})`);
    expect(verify.timedOut).toBe(false);
    expect(verify.out).toEqual({
      ok: expect.objectContaining({
        ok: false,
        issues: [expect.objectContaining({ kind: "Usage" })],
      }),
    });

    // A FIFO that is not named *.spool is not a pool: delete refuses it (Usage).
    const other = join(dir, "y");
    execFileSync("mkfifo", [other]);
    expect(run(`m.deletePool(${JSON.stringify(other)})`)).toEqual({
      timedOut: false,
      out: { kind: "Usage" },
    });
  });
});

// Retaining cursors (`NAME.retain`): appends that would overwrite what the cursor has not acked
// are Busy (nothing appended); an ack or deleting the cursor releases the ring; an ordinary
// cursor never holds it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { isSpoolError } from "../errors.js";
import { createPool } from "../pool-dir.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "spool-retain-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const fill = { data: { pad: "r".repeat(200) } };

it("a .retain cursor holds the ring until it acks; deleting it releases the ring", () => {
  const pool = createPool("held", { dir, size: "64K" });
  pool.cursor("archive.retain").reset({ seq: 1 });
  let appended = 0;
  let refusal: unknown;
  for (let i = 0; i < 10_000 && refusal === undefined; i++) {
    try {
      pool.append(fill.data);
      appended++;
    } catch (error) {
      refusal = error;
    }
  }
  expect(isSpoolError(refusal, "Busy")).toBe(true);
  expect((refusal as { seq?: number }).seq).toBe(1);
  expect(String((refusal as Error).message)).toContain("retaining cursor archive.retain");
  const before = pool.info().bounds;
  expect(before).toEqual({ oldest: 1, newest: appended });
  // acking frees what it covers: the next append evicts only acked messages
  const acked = Math.floor(appended / 2);
  pool.cursor("archive.retain").ack(acked);
  pool.append(fill.data);
  const after = pool.info().bounds;
  expect(after?.oldest).toBeGreaterThan(1);
  expect(after?.oldest).toBeLessThanOrEqual(acked + 1);
  // deleting the cursor releases the ring
  pool.cursor("archive.retain").delete();
  for (let i = 0; i < 2000; i++) pool.append(fill.data);
  expect(pool.info().bounds?.oldest).toBeGreaterThan(appended);
  pool.close();
});

it("an ordinary cursor does not hold the ring", () => {
  const pool = createPool("free", { dir, size: "64K" });
  pool.cursor("archive").reset({ seq: 1 });
  for (let i = 0; i < 2000; i++) pool.append(fill.data);
  expect(pool.info().bounds?.oldest).toBeGreaterThan(1);
  pool.close();
});

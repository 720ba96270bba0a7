/**
 * Test fixtures of @spool/tui: a temporary pool directory with real pools (@spool/core), and a
 * bounded wait for a rendered frame to satisfy a predicate.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPool, FileEngine, openPool, type Pool } from "@spool/core";

export interface PoolDir {
  dir: string;
  engine: FileEngine;
  /** Creates a pool and returns a writer handle on it (closed by `cleanup`). */
  pool(name: string, size?: string): Pool;
  cleanup(): Promise<void>;
}

export function poolDir(): PoolDir {
  const dir = mkdtempSync(join(tmpdir(), "spool-tui-"));
  const engine = new FileEngine({ dir });
  const handles: Pool[] = [];
  return {
    dir,
    engine,
    pool(name, size = "1M") {
      createPool(name, { dir, size }).close();
      const handle = openPool(name, { dir });
      handles.push(handle);
      return handle;
    },
    async cleanup() {
      for (const handle of handles) handle.close();
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits (at most `ms`) until `frame()` satisfies `ok`; throws with the last frame otherwise. */
export async function waitForFrame(
  frame: () => string | undefined,
  ok: (text: string) => boolean,
  ms = 3000,
): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const text = frame() ?? "";
    if (ok(text)) return text;
    if (Date.now() > until) throw new Error(`frame did not match within ${ms} ms:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const KEY = {
  up: "\u001b[A",
  down: "\u001b[B",
  enter: "\r",
  escape: "\u001b",
  backspace: "\u007f",
} as const;

/** Types `text` one key at a time (ink reads a chunk of several characters as a paste). */
export async function type(stdin: { write(data: string): void }, text: string): Promise<void> {
  stdin.write(text);
  await new Promise((resolve) => setTimeout(resolve, 30));
}

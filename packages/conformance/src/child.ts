/**
 * A helper process, run as `node dist/child.js MODE ...`:
 * - `append POOL_PATH TAGS_JSON`: opens the pool through @spool/core, then appends each JSON line
 *   of stdin as one message with those tags and prints its receipt line, until stdin ends (the
 *   api driver's concurrent writers, driven in lockstep);
 * - `hold POOL_PATH`: opens the pool (taking its presence lock), prints `ready`, and keeps it
 *   open until its stdin ends (the runner's `fs.hold_open` fixture).
 *
 * Invariants: a Spool error is printed as the one-line error envelope on stderr with the kind's
 * exit code; a holder never outlives its stdin, nor 120 s.
 */
import { createInterface } from "node:readline";
import { EXIT_CODES, isSpoolError, openPool } from "@spool/core";

function fail(error: unknown): never {
  if (isSpoolError(error)) {
    process.stderr.write(`${JSON.stringify({ error: error.toJSON() })}\n`);
    process.exit(EXIT_CODES[error.kind]);
  }
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
}

const [mode, path, ...rest] = process.argv.slice(2);
try {
  if (mode === "append" && path) {
    const tags = JSON.parse(rest[0] ?? "[]") as string[];
    const pool = openPool(path);
    const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on("line", (line) => {
      if (line.trim() === "") return;
      try {
        const { seq, time, meta } = pool.appendJson(line, { tags }).toJSON();
        process.stdout.write(`${JSON.stringify({ seq, time, meta })}\n`);
      } catch (error) {
        fail(error);
      }
    });
    lines.on("close", () => pool.close());
  } else if (mode === "hold" && path) {
    const pool = openPool(path);
    const release = (): void => {
      pool.close();
      process.exit(0);
    };
    setTimeout(release, 120_000).unref();
    process.stdin.on("end", release).on("close", release).resume();
    process.stdout.write("ready\n");
  } else {
    process.stderr.write("usage: child.js append POOL TAGS_JSON | hold POOL\n");
    process.exit(2);
  }
} catch (error) {
  fail(error);
}

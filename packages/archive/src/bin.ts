/**
 * The archiver as a bare process: `node dist/bin.js --to URL [--dir DIR] POOL...` (what the
 * crash tests spawn and kill; users run `spool archive`, which calls the same runArchive).
 * Prints one JSON line per event on stdout; SIGINT/SIGTERM stop it gracefully (the batch in hand
 * is committed), exit 0.
 *
 * Invariants: nothing here decides what is archived: it parses argv and calls runArchive.
 */
import { runArchive } from "./run.js";

const args = process.argv.slice(2);
const pools: string[] = [];
let to = process.env.SPOOL_ARCHIVE;
let dir: string | undefined;
let batchSize: number | undefined;
let policy: "best-effort" | "required" | undefined;
for (let i = 0; i < args.length; i++) {
  const arg = args[i] as string;
  if (arg === "--to") to = args[++i];
  else if (arg === "--dir") dir = args[++i];
  else if (arg === "--batch-size") batchSize = Number(args[++i]);
  else if (arg === "--policy") policy = args[++i] === "required" ? "required" : "best-effort";
  else pools.push(arg);
}
if (!to || pools.length === 0) {
  process.stderr.write("usage: bin.js --to postgres://... [--dir DIR] POOL...\n");
  process.exit(2);
}
const stop = new AbortController();
process.once("SIGINT", () => stop.abort());
process.once("SIGTERM", () => stop.abort());
await runArchive({
  pools,
  dir,
  connection: to,
  batchSize,
  policy,
  signal: stop.signal,
  onEvent: (event) => {
    const shown = event.type === "retry" ? { ...event, error: String(event.error) } : event;
    process.stdout.write(`${JSON.stringify(shown)}\n`);
  },
});

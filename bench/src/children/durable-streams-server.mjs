// Child process: the Durable Streams reference server (@durable-streams/server, its
// DurableStreamTestServer), the HTTP peer of the peers suite, on 127.0.0.1 with port 0. Args:
// `memory` (the package's default in-memory store: nothing persisted) or `file DIR` (its
// file-backed store in DIR: each append written to the stream's log file, fdatasync'd, then its
// metadata committed to LMDB, before the answer). Answers the parent's calls for its CPU time;
// exits cleanly on request (so --cpu-prof profiles get written). Invariants: the server's own
// console output goes to stderr, never to stdout (the bench's report); the ready message carries
// the URL, the package's version and the store in use, or `error` (why the package could not
// be loaded or the server not started) after which the child exits.
import { createRequire } from "node:module";
import { serveParent } from "../lib/ipc.mjs";

for (const level of ["log", "info", "warn", "error"]) {
  console[level] = (...args) => process.stderr.write(`[durable-streams] ${args.join(" ")}\n`);
}

const [mode, dataDir] = process.argv.slice(2);
if (mode !== "memory" && !(mode === "file" && dataDir)) {
  process.stderr.write("usage: durable-streams-server.mjs memory | file DIR\n");
  process.exit(2);
}

let server;
let url;
let version;
try {
  const require = createRequire(import.meta.url);
  version = require("@durable-streams/server/package.json").version;
  const { DurableStreamTestServer } = await import("@durable-streams/server");
  server = new DurableStreamTestServer({
    host: "127.0.0.1",
    port: 0,
    ...(mode === "file" ? { dataDir } : {}),
  });
  url = await server.start();
} catch (error) {
  // Tell the parent why (it reports the peer as skipped), then leave.
  const why = String(error?.message ?? error).split("\n")[0];
  process.send({ ready: { error: why } }, () => process.exit(0));
  setTimeout(() => process.exit(1), 5000);
  await new Promise(() => {});
}

serveParent(
  {
    cpu: () => process.cpuUsage(),
    exit: () => server.stop(),
  },
  { url, version, mode },
);

// Child process: the HTTP server under test. Serves @spool/http-server's createApp over the pool
// directory given as the first argument, and, in the same process with the same server library
// (@hono/node-server), a second hono app on its own port with no-op routes (the baseline of the
// request cases). Both listen on 127.0.0.1, port 0. Answers the parent's calls for its CPU time,
// its number of open tails and the core-only ceilings (run here, between HTTP runs, so they see
// the same process as the HTTP work); exits cleanly on request (so --cpu-prof profiles get
// written).
// Args: poolDir.

import { join } from "node:path";
import { serve } from "@hono/node-server";
import { createApp } from "@spool/http-server";
import { Hono } from "hono";
import { appendBatchFor, replayFor } from "../lib/core-ceilings.mjs";
import { serveParent } from "../lib/ipc.mjs";

const [dir] = process.argv.slice(2);
const app = createApp({ dir, limits: { maxConcurrentTails: 4096 } });

const noop = new Hono();
noop.get("/noop", (c) => c.json({ ok: true }));
// Receives the body like an append does, answers like the GET.
noop.post("/noop", async (c) => {
  await c.req.text();
  return c.json({ ok: true });
});

function listen(fetch) {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(server));
    server.once("error", reject);
  });
}

const spoolServer = await listen(app.fetch);
const noopServer = await listen(noop.fetch);

function close(server) {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

serveParent(
  {
    cpu: () => process.cpuUsage(),
    openTails: () => app.openTails,
    coreBatch: ({ pool, size, ms }) => appendBatchFor(join(dir, `${pool}.spool`), size, ms),
    coreReplay: ({ pool, expect, passes }) => replayFor(join(dir, `${pool}.spool`), expect, passes),
    exit: async () => {
      await app.close();
      await Promise.all([close(spoolServer), close(noopServer)]);
    },
  },
  { spoolPort: spoolServer.address().port, noopPort: noopServer.address().port },
);

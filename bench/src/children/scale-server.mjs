// Child process: the HTTP server of the scale suite's "pools open in one server" curve.
// Serves @spool/http-server's createApp over the pool directory given as the first argument,
// with room for as many open pools as the second argument says (the default of 256 would
// close and reopen pools under a wider load, which is another cost than the one measured), on
// 127.0.0.1, port 0. Answers the parent's calls for its CPU time and its number of open pools;
// exits cleanly on request.
// Args: poolDir maxOpenPools.
import { serve } from "@hono/node-server";
import { createApp } from "@spool/http-server";
import { serveParent } from "../lib/ipc.mjs";

const [dir, maxOpenArg] = process.argv.slice(2);
const app = createApp({ dir, limits: { maxOpenPools: Number(maxOpenArg) } });

const server = await new Promise((resolve, reject) => {
  const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  s.once("error", reject);
});

serveParent(
  {
    cpu: () => process.cpuUsage(),
    openPools: () => app.openPools,
    exit: async () => {
      await app.close();
      await new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      });
    },
  },
  { port: server.address().port },
);

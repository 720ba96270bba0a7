// Test configuration for @spool/http-server: tests call `app.fetch` directly or a real
// @hono/node-server on 127.0.0.1 port 0; each file runs in its own forked process so handle
// counts (watchers, sockets) are per file, with bounded timeouts.
import { defineProject } from "vitest/config";

/**
 * Workspace packages resolve to their TypeScript sources through the `@spool/source` export
 * condition (listed first in every package.json `exports` entry), so in-process tests need no
 * build; the rest are vite's default server conditions.
 */
const conditions = ["@spool/source", "module", "node", "development|production"];

export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: "http-server",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

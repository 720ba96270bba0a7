// Test configuration for @spool/jetstream: tests start their own nats-server processes on
// 127.0.0.1 (test/nats-fixture.ts); each file runs in its own forked process, with bounded
// timeouts.
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
    name: "jetstream",
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/nats-presence.ts"],
    pool: "forks",
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});

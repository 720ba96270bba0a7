// Test configuration for @spool/server: real servers on 127.0.0.1 port 0 and the real bin as a
// child process where signals and exit codes matter; each file runs in its own forked process.
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
    name: "server",
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

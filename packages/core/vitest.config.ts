// Test configuration for @spool/core. Multi-process suites spawn real processes, so every file
// runs in its own forked process and long suites get generous (but bounded) timeouts.
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
    name: "core",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});

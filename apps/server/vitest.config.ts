// Test configuration for the deployable (@spool/server-app): one smoke test runs the real bin as
// a child process, so it needs @spool/server built (its bin imports the package's dist).
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
    name: "server-app",
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

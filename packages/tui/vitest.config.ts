// Test configuration for @spool/tui: frame tests render the components with ink-testing-library
// against real pools in temporary directories; each file runs in its own forked process, with
// bounded timeouts.
import { defineProject } from "vitest/config";

/** Workspace packages resolve to their TypeScript sources (the `@spool/source` condition). */
const conditions = ["@spool/source", "module", "node", "development|production"];

export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  esbuild: { jsx: "automatic" },
  test: {
    name: "tui",
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    pool: "forks",
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});

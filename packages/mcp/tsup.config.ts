// Build configuration for @spool/mcp: ESM with type declarations; dependencies stay external
// (@modelcontextprotocol/server, zod and @spool/core are runtime dependencies).
import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
});

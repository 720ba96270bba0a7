// Build configuration for @spool/core: ESM with type declarations. Two entries: the full API
// (index) and the node-free subset (shared, for @spool/client); code both use lands in shared
// chunks, so each definition exists once in dist.
import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/shared.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
});

// Build configuration for @spool/server: ESM with type declarations; dependencies stay external
// (the CLI's `spool serve` loads this package lazily, so it never slows other commands).
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

// Build configuration for @spool/tui: ESM with type declarations, JSX compiled by esbuild's
// automatic runtime (react/jsx-runtime); ink, react and @spool/core stay external runtime
// dependencies, so the CLI loads them only when `spool top` or `spool watch` runs.
import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
  esbuildOptions(options) {
    options.jsx = "automatic";
  },
});

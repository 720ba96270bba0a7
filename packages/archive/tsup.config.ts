// Build configuration for @spool/archive: the library entry and the archiver process entry
// (bin.ts, which tests spawn and kill), ESM with type declarations for Node; @spool/core and pg
// stay external, so the archive shares core's one definition of envelope, errors and tail rules.
import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/bin.ts"],
  format: ["esm"],
  dts: { entry: "src/index.ts" },
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
});

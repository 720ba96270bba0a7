// Build configuration for @spool/conformance: ESM with type declarations. Entries: the library
// (index), the `spool-conformance` command (cli), and the helper process (child) that writes
// concurrently for the api driver or holds a pool open for a fixture. Dependencies stay external.
import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    cli: "src/cli.ts",
    child: "src/child.ts",
  },
  format: ["esm"],
  dts: { entry: { index: "src/index.ts" } },
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
});

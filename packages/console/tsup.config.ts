// Build configuration of the console's Node entry (src/index.ts → dist/index.js): the one export
// the server needs, the directory of the built page. Runs after `vite build`, which owns
// dist/ui, so it must not clean dist/.
import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: false,
  clean: false,
  target: "node20",
  platform: "node",
});

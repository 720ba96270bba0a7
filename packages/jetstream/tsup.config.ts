// Build configuration for @spool/jetstream: one ESM entry with type declarations for Node
// (platform "node"); @spool/core and the NATS client packages stay external dependencies, so the
// engine shares core's one definition of errors, validators and tail rules at run time.
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

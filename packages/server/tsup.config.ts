// Build configuration for @spool/server (packages/server): ESM with type declarations; dependencies stay external
// (the CLI's `spool serve` loads this package lazily, so it never slows other commands). The
// `tokens` entry (`@spool/server/tokens`) is the token-file parser alone, for the CLI's remote
// commands, which must not load the server; the `nats` entry (`@spool/server/nats`) is the
// NATS engine URL and credential rules, shared with the CLI's nats:// pools (it loads
// @spool/jetstream only when it connects).
import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/tokens.ts", "src/nats.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
});

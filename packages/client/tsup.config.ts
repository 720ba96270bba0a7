// Build configuration for @spool/client: one ESM entry with type declarations for every runtime
// (platform "neutral": no Node built-ins). @spool/core is a devDependency only: its node-free
// `@spool/core/shared` subpath is bundled in (noExternal), so the client has one definition of
// the error kinds and tail rules in source and no runtime dependency on core's native addon.
import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: {
    // Inline core's shared types too (core is not a runtime dependency): resolve the subpath to
    // core's built declarations as a local file, so the declaration bundler does not keep it
    // as an external import.
    compilerOptions: { paths: { "@spool/core/shared": ["../core/dist/shared.d.ts"] } },
  },
  sourcemap: true,
  clean: true,
  target: "es2022",
  platform: "neutral",
  noExternal: ["@spool/core"],
  treeshake: true,
});

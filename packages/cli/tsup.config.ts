// Build configuration for the spool CLI: one ESM entry (dist/cli.js, with its shebang) plus
// lazily imported chunks per command. yargs and zod/mini are bundled (they are devDependencies)
// because start-up time is a product feature: a single pre-resolved file loads far faster than
// hundreds of small modules. @spool/core stays an external runtime dependency.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "tsup";

/**
 * yargs' help layout (cliui, wrap-ansi) measures text with the `string-width` package, which
 * compiles Unicode property regexes and builds an Intl.Segmenter when it is imported: ~25 ms of
 * every start-up although only help output needs a width. Every import of it resolves to our own
 * small width function instead (src/lib/text-width.ts). Resolving by name cannot silently stop
 * working: a missing module fails the build.
 */
const ownStringWidth = {
  name: "own-string-width",
  setup(build: { onResolve: (o: { filter: RegExp }, cb: () => { path: string }) => void }) {
    build.onResolve({ filter: /^string-width$/ }, () => ({
      path: fileURLToPath(new URL("./src/lib/text-width.ts", import.meta.url)),
    }));
  },
};

export default defineConfig({
  entry: ["src/cli.ts"],
  format: ["esm"],
  dts: false,
  sourcemap: false,
  clean: true,
  splitting: true,
  target: "node20",
  platform: "node",
  noExternal: ["yargs", "zod"],
  esbuildPlugins: [ownStringWidth],
  define: {
    __SPOOL_CLI_VERSION__: JSON.stringify(
      (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version,
    ),
  },
});

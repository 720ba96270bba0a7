// Build configuration for the spool CLI: one ESM entry (dist/cli.js, with its shebang) plus
// lazily imported chunks per command. yargs and zod/mini are bundled (they are devDependencies)
// because start-up time is a product feature: a single pre-resolved file loads far faster than
// hundreds of small modules. @spool/core and jq-web stay external runtime dependencies.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { defineConfig } from "tsup";

/**
 * string-width (used by yargs' help layout) builds an Intl.Segmenter when it is imported, which
 * costs ~10 ms of every start-up although only help output needs it. This plugin makes that
 * construction lazy. If the pattern ever changes upstream the build still works, just slower.
 */
const lazySegmenter = {
  name: "lazy-intl-segmenter",
  setup(build: {
    onLoad: (
      o: { filter: RegExp },
      cb: (a: { path: string }) => Promise<{ contents: string; loader: "js" }>,
    ) => void;
  }) {
    build.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const eager = "const segmenter = new Intl.Segmenter();";
      if (!source.includes(eager))
        console.warn(`lazy-intl-segmenter: pattern not found in ${args.path}`);
      const lazy =
        "let lazySegmenter; const segmenter = { segment: (text) => (lazySegmenter ??= new Intl.Segmenter()).segment(text) };";
      return { contents: source.replace(eager, lazy), loader: "js" };
    });
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
  esbuildPlugins: [lazySegmenter],
  define: {
    __SPOOL_CLI_VERSION__: JSON.stringify(
      (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version,
    ),
  },
});

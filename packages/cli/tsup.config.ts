// Build configuration for the spool CLI: one ESM entry (dist/cli.js, with its shebang) plus
// lazily imported chunks per command. yargs and zod/mini are bundled (they are devDependencies)
// because start-up time is a product feature: a single pre-resolved file loads far faster than
// hundreds of small modules. @spool/core and jq-web stay external runtime dependencies.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { defineConfig } from "tsup";

/**
 * string-width (used by yargs' help layout) builds an Intl.Segmenter and compiles Unicode
 * property regular expressions (`\p{RGI_Emoji}` alone costs ~15 ms) when it is imported,
 * ~25 ms of every start-up although only help output needs them. This plugin makes both lazy:
 * the segmenter is built on first use, and each such top-level regex becomes an object that
 * compiles it on its first `test`/`search`/`match`/`replace`/`split`. If the patterns ever
 * change upstream the build still works, just slower (and says so).
 */
const LAZY_REGEXP_HELPER = `const lazyRegExp = (make) => {
  let re;
  const get = () => (re ??= make());
  return {
    test: (s) => get().test(s),
    [Symbol.search]: (s) => s.search(get()),
    [Symbol.match]: (s) => s.match(get()),
    [Symbol.replace]: (s, r) => s.replace(get(), r),
    [Symbol.split]: (s, l) => s.split(get(), l),
  };
};
`;
const lazyStringWidth = {
  name: "lazy-string-width",
  setup(build: {
    onLoad: (
      o: { filter: RegExp },
      cb: (a: { path: string }) => Promise<{ contents: string; loader: "js" }>,
    ) => void;
  }) {
    build.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, async (args) => {
      let source = await readFile(args.path, "utf8");
      const eager = "const segmenter = new Intl.Segmenter();";
      const lazy =
        "let lazySegmenter; const segmenter = { segment: (text) => (lazySegmenter ??= new Intl.Segmenter()).segment(text) };";
      let changed = source.includes(eager);
      source = source.replace(eager, lazy);
      // Top-level `const name = /…\p{…}…/flags;` lines: compile on first use.
      const unicodeRegex = /^const (\w+) = (\/.*\\p\{.*\/[a-z]*);$/gm;
      if (unicodeRegex.test(source)) {
        changed = true;
        source =
          LAZY_REGEXP_HELPER + source.replace(unicodeRegex, "const $1 = lazyRegExp(() => $2);");
      }
      if (!changed) console.warn(`lazy-string-width: no pattern found in ${args.path}`);
      return { contents: source, loader: "js" };
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
  esbuildPlugins: [lazyStringWidth],
  define: {
    __SPOOL_CLI_VERSION__: JSON.stringify(
      (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version,
    ),
  },
});

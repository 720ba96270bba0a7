// Build configuration of the console page (src/page → dist/ui): Vite with Preact's automatic JSX
// runtime, hashed file names under dist/ui/assets (served with a long immutable cache), no
// inline script or style (the server's CSP forbids them), no module-preload polyfill (it would
// be one more script), and the SDK bundled from its TypeScript source.
//
// Why the SDK comes by path: @spool/server depends on this package (it serves dist/ui), and
// @spool/client has a devDependency on @spool/server for its tests, so a workspace dependency on
// @spool/client here would be a package cycle (client -> server -> console -> client). The page
// bundles the SDK's source (resolved with the `@spool/source` condition, like every workspace
// package in tests), so building it never needs the SDK's dist either.
import { fileURLToPath } from "node:url";
import { defaultClientConditions, defineConfig } from "vite";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here("./src/page"),
  base: "/ui/",
  logLevel: "warn",
  resolve: {
    alias: { "@spool/client": here("../client/src/index.ts") },
    conditions: ["@spool/source", ...defaultClientConditions],
  },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: here("./dist/ui"),
    emptyOutDir: true,
    target: "es2022",
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    reportCompressedSize: false,
    sourcemap: false,
  },
});

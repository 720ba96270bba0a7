/**
 * The SDK as apps ship it: its dist is one self-contained ESM file (core's node-free shared
 * definitions bundled in, no `node:` import, no import of @spool/core at all), and a minified
 * browser bundle of an app that uses it is small and tree-shakes what it does not use.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { bundle, distEntry, packageDir } from "./helpers/bundle.js";

const app = `
import { createClient, isSpoolError } from "@spool/client";
const client = createClient({ baseUrl: location.origin });
const pool = await client.openPool("build");
await pool.append({ step: "lint" }, { tags: ["ci"] });
for await (const msg of pool.follow({ since: 1, onStatus: (s) => console.log(s.state) })) console.log(msg.data);
try { await pool.get(1); } catch (e) { if (isSpoolError(e, "NotFound")) console.log("gone"); }
`;

describe("bundle", () => {
  it("dist is self-contained: no node: imports, no import of @spool/core", async () => {
    await bundle("import '@spool/client';"); // asserts dist is built and fresh
    const dist = readFileSync(distEntry, "utf8");
    expect(dist).not.toMatch(/from\s*["']node:|import\(["']node:|require\(/);
    expect(dist).not.toMatch(/from\s*["']@spool\/core/);
    expect(dist).not.toMatch(/\bBuffer\b|process\.|spool_native/);
    expect(dist.match(/SpoolError = class extends Error/g)).toHaveLength(1); // core's class, bundled once
  });

  it("core's @spool/core/shared subpath bundles for the browser without node: or Buffer", async () => {
    const shared = await bundle(`export * from "@spool/core/shared";`);
    expect(shared.code).not.toMatch(/node:|\bBuffer\b|\bprocess\./);
    expect(shared.code).toMatch(/RetentionGap/);
  });

  it("an app using createClient, append, get and follow bundles small, without node:", async () => {
    const full = await bundle(app);
    expect(full.code).not.toMatch(/node:/);
    expect(full.code).not.toMatch(/\bBuffer\b/);
    console.log(
      `@spool/client app bundle: ${full.bytes} bytes minified, ${full.gzipBytes} bytes min+gzip`,
    );
    // 16.5 KiB (15.4 measured): core's full pool-name rule (UTF-8 length, pattern), the trusted-text shape check
    // and the where list check joined the SDK in place of its weaker local copies (where
    // expressions themselves are parsed by the server, so the parser stays out of apps); then
    // idempotent producers (~1.4 KiB: core's producer checks, duplicate and receipt parsing, and
    // pool.producer's batching and retrying, which every RemotePool carries); then durable
    // consumers, 16.1 → 20.0 KiB measured: pool.cursor/group/cursors/groups, the follow's cursor
    // acks, group.consume, the canonical slicing of a claim's deliveries and core's consumer
    // checkers, all reachable from RemotePool and Follower so not tree-shaken; then the
    // WebSocket transport, 21.9 KiB measured with it (the socket tail iterator with its queue
    // bounds, frame classification and close-code errors, reachable from tail and follow)
    expect(full.gzipBytes).toBeLessThan(22.5 * 1024);

    const tiny = await bundle(
      `import { isSpoolError } from "@spool/client"; console.log(isSpoolError(1));`,
    );
    console.log(`isSpoolError alone: ${tiny.gzipBytes} bytes min+gzip (tree-shaken)`);
    expect(tiny.gzipBytes).toBeLessThan(full.gzipBytes / 3);
  });
});

describe("types", () => {
  it("dist/index.d.ts is self-contained and type-checks for a browser app without Node types", async () => {
    await bundle("import '@spool/client';"); // asserts dist is built and fresh
    const dts = readFileSync(join(packageDir, "dist", "index.d.ts"), "utf8");
    expect(dts).not.toMatch(/from ['"]@spool\/core|NodeJS\.|\bBuffer\b|from ['"]node:/);
    const dir = mkdtempSync(join(tmpdir(), "spool-client-types-"));
    try {
      const app = join(dir, "app.ts");
      writeFileSync(
        app,
        `import { createClient, isSpoolError, type FollowStatus, type Message } from ${JSON.stringify(join(packageDir, "dist", "index.js"))};
const client = createClient({ baseUrl: "http://127.0.0.1:9700" });
const pool = client.pool("build");
const msg: Message<{ n: number }> = await pool.append({ n: 1 }, { tags: ["a"] });
const n: number = msg.data.n;
for await (const m of pool.follow<{ n: number }>({ since: n, onStatus: (s: FollowStatus) => s.state })) m.data.n.toFixed();
try { await pool.get(1); } catch (e) { if (isSpoolError(e, "NotFound")) console.log(e.seq); }
export {};
`,
      );
      const program = ts.createProgram([app], {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        lib: [
          "lib.es2023.d.ts",
          "lib.dom.d.ts",
          "lib.dom.iterable.d.ts",
          "lib.dom.asynciterable.d.ts",
        ],
        types: [],
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
      });
      const diagnostics = ts
        .getPreEmitDiagnostics(program)
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      expect(diagnostics).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

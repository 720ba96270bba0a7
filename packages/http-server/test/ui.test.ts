// The web console route (`createApp({ ui: { dir } })`): index.html at /ui/ (with /ui redirecting),
// hashed assets with their content types and a year-long immutable cache, a strict CSP on every
// answer, no token needed, nothing outside the directory's index.html and assets/ reachable
// (raw `..` and percent-encoded targets included); GET /v0/access tells the caller's mode.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fixture, makeApp, type Served, send, serveApp } from "./helpers/fixtures.js";
import { rawRequest } from "./helpers/raw-http.js";

const INDEX = '<!doctype html><script type="module" src="/ui/assets/index-abc123.js"></script>';
let ui: string;
let f: Fixture;
let served: Served;

beforeAll(async () => {
  ui = mkdtempSync(join(tmpdir(), "spool-ui-"));
  mkdirSync(join(ui, "assets"));
  writeFileSync(join(ui, "index.html"), INDEX);
  writeFileSync(join(ui, "assets", "index-abc123.js"), "console.log(1)");
  writeFileSync(join(ui, "assets", "style-def456.css"), "body{}");
  writeFileSync(join(ui, "secret.txt"), "not served");
  f = makeApp({
    ui: { dir: ui },
    tokens: ["rw-token", { token: "ro-token", access: "read-only" }],
    access: "read-write",
  });
  served = await serveApp(f.app);
});
afterAll(async () => {
  await served?.dispose();
  await f?.dispose();
  rmSync(ui, { recursive: true, force: true });
});

function expectCsp(headers: Headers): void {
  const csp = headers.get("content-security-policy") ?? "";
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain("unsafe-inline");
  expect(csp).not.toContain("unsafe-eval");
  expect(csp).toContain("frame-ancestors 'none'");
}

describe("/ui", () => {
  test("GET /ui/ answers index.html without a token, revalidated, with the CSP", async () => {
    const res = await send(f.app, "GET", "/ui/");
    expect(res.status).toBe(200);
    expect(res.text).toBe(INDEX);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("spool-version")).toBe("0");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expectCsp(res.headers);
  });

  test("GET /ui redirects to /ui/", async () => {
    const res = await send(f.app, "GET", "/ui");
    expect(res.status).toBe(308);
    expect(res.headers.get("location")).toBe("/ui/");
  });

  test.each([
    ["index-abc123.js", "text/javascript; charset=utf-8", "console.log(1)"],
    ["style-def456.css", "text/css; charset=utf-8", "body{}"],
  ])("GET /ui/assets/%s: its type, cached for a year", async (name, type, body) => {
    const res = await send(f.app, "GET", `/ui/assets/${name}`);
    expect(res.status).toBe(200);
    expect(res.text).toBe(body);
    expect(res.headers.get("content-type")).toBe(type);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expectCsp(res.headers);
  });

  test.each([
    "/ui/assets/missing.js",
    "/ui/secret.txt",
    "/ui/assets/..%2fsecret.txt",
    "/ui/assets/%2e%2e%2fsecret.txt",
    "/ui/assets/../secret.txt",
    "/ui/assets/../../package.json",
    "/ui/index.html/",
  ])("GET %s is 404 (only index.html and assets/ are served)", async (target) => {
    const res = await rawRequest(Number(new URL(served.url).port), "GET", target);
    expect(res.status).toBe(404);
    expect(res.json.error.kind).toBe("NotFound");
    expect(res.body).not.toContain("not served");
  });

  test("without the ui option there is no /ui", async () => {
    const plain = makeApp();
    try {
      expect((await send(plain.app, "GET", "/ui/")).status).toBe(404);
    } finally {
      await plain.dispose();
    }
  });

  test("a directory without index.html is refused when the app is made (Usage)", () => {
    const empty = mkdtempSync(join(tmpdir(), "spool-ui-empty-"));
    try {
      expect(() => makeApp({ ui: { dir: empty } })).toThrow(/no readable index\.html/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("GET /v0/access", () => {
  test("401 without a valid token", async () => {
    const res = await send(f.app, "GET", "/v0/access");
    expect(res.status).toBe(401);
    expect(res.json.error.kind).toBe("Permission");
    expect(
      (await send(f.app, "GET", "/v0/access", undefined, { authorization: "Bearer nope" })).status,
    ).toBe(401);
  });

  test.each([
    ["rw-token", "read-write"],
    ["ro-token", "read-only"],
  ])("with %s it answers the token's mode", async (token, access) => {
    const res = await send(f.app, "GET", "/v0/access", undefined, {
      authorization: `Bearer ${token}`,
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ access, tokens: true });
  });

  test("without tokens it answers the server's mode", async () => {
    const plain = makeApp({ access: "write-only" });
    try {
      expect((await send(plain.app, "GET", "/v0/access")).json).toEqual({
        access: "write-only",
        tokens: false,
      });
      expect((await send(plain.app, "GET", "/v0/access?x=1")).status).toBe(400);
    } finally {
      await plain.dispose();
    }
  });
});

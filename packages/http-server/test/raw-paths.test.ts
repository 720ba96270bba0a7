// Paths as clients really send them, over raw sockets to a real @hono/node-server (fetch would
// resolve `..` itself): dot segments, plain or percent-encoded, never reach another pool's
// endpoint (404, or 400 where the segment is the pool name); encoded separators and NUL in a name
// are 400; a trailing slash is 404 with a hint; a 405 never names the method the client used.
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROUTES } from "../src/routes/table.js";
import { type Fixture, makeApp, type Served, send, serveApp } from "./helpers/fixtures.js";
import { type RawResponse, rawRequest } from "./helpers/raw-http.js";

let f: Fixture;
let server: Served;
let port: number;
beforeAll(async () => {
  f = makeApp();
  server = await serveApp(f.app);
  port = Number(new URL(server.url).port);
  for (const pool of ["victim", "info", "a"]) await send(f.app, "POST", "/v0/pools", { pool });
});
afterAll(async () => {
  await server.dispose();
  await f.dispose();
});

function expectError(res: RawResponse, status: number, kind: string): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers["spool-version"]).toBe("0");
  expect(res.json.error.kind).toBe(kind);
  expect(res.json.error.hint).toEqual(expect.any(String));
}

const count = async (pool: string): Promise<number> =>
  (await send(f.app, "GET", `/v0/pools/${pool}/info`)).json.pool.message_count;

describe("dot segments never reach another pool's endpoint", () => {
  test.each([
    "/v0/pools/anything/%2e%2e/victim/append",
    "/v0/pools/anything/%2E%2E/victim/append",
    "/v0/pools/anything/.%2e/victim/append",
    "/v0/pools/anything/%2e./victim/append",
    "/v0/pools/anything/../victim/append",
    "/v0/pools/%2e/victim/append",
    "/v0/pools/./victim/append",
    "/v0/x/%2e%2e/pools/victim/append",
    "http://127.0.0.1/v0/pools/anything/%2e%2e/victim/append",
  ])("POST %s → 404, nothing appended", async (target) => {
    const before = await count("victim");
    const res = await rawRequest(port, "POST", target, { body: '{"data":1}' });
    expectError(res, 404, "NotFound");
    expect(res.json.error.message).toMatch(/^no such endpoint/);
    expect(res.json.error.hint).toMatch(/'\.' and '\.\.' segments/);
    expect(await count("victim")).toBe(before);
  });

  test("DELETE /v0/pools/x/%2e%2e/info → 404; the pool named info survives", async () => {
    expectError(await rawRequest(port, "DELETE", "/v0/pools/x/%2e%2e/info"), 404, "NotFound");
    expectError(await rawRequest(port, "DELETE", "/v0/pools/x/../info"), 404, "NotFound");
    expect((await send(f.app, "GET", "/v0/pools/info/info")).status).toBe(200);
  });

  test("GET /v0/pools/victim/%2e%2e/a/info does not read pool a", async () => {
    expectError(await rawRequest(port, "GET", "/v0/pools/victim/%2e%2e/a/info"), 404, "NotFound");
  });
});

describe("names that decode to something other than a name are 400 Usage", () => {
  test.each([
    ["..", "/v0/pools/%2e%2e/info"],
    ["..", "/v0/pools/../info"],
    [".", "/v0/pools/%2e/info"],
    ["a/b", "/v0/pools/a%2fb/info"],
    ["a/b", "/v0/pools/a%2Fb/info"],
    ["a\\b", "/v0/pools/a%5cb/info"],
    ["NUL", "/v0/pools/a%00b/info"],
    ["../victim", "/v0/pools/..%2fvictim/append"],
    ["a/../victim", "/v0/pools/a%2f%2e%2e%2fvictim/append"],
    ["still encoded", "/v0/pools/%252e%252e/info"],
  ])("%s (%s)", async (_label, target) => {
    const res = await rawRequest(port, target.endsWith("append") ? "POST" : "GET", target, {
      body: target.endsWith("append") ? '{"data":1}' : undefined,
    });
    expectError(res, 400, "Usage");
    expect(res.json.error.message).toMatch(/pool name/);
  });

  test("nothing was created or appended outside the named pools", async () => {
    expect(readdirSync(f.dir).sort()).toEqual(["a.spool", "info.spool", "victim.spool"]);
    expect(await count("a")).toBe(0);
  });
});

describe("trailing slashes and methods", () => {
  test.each([
    ["GET", "/v0/pools/a/info/", "/v0/pools/a/info"],
    ["GET", "/v0/pools/", "/v0/pools"],
    ["POST", "/v0/pools/", "/v0/pools"],
    ["POST", "/v0/pools/a/append/", "/v0/pools/a/append"],
    ["DELETE", "/v0/pools/a/", "/v0/pools/a"],
    ["GET", "/healthz/", "/healthz"],
    ["GET", "/v0/pools/a/tail//", "/v0/pools/a/tail"],
  ])("%s %s → 404 with a hint to remove the slash", async (method, target, fixed) => {
    const res = await rawRequest(port, method, target, {
      body: method === "POST" ? '{"data":1,"pool":"zz"}' : undefined,
    });
    expectError(res, 404, "NotFound");
    expect(res.headers.allow).toBeUndefined();
    expect(res.json.error.hint).toBe(`remove the trailing slash: ${fixed}`);
    expect((await send(f.app, "GET", "/v0/pools/a/info")).status).toBe(200);
    expect(await count("a")).toBe(0);
  });

  test("a 405 never names the method the client used, on any route with or without a slash", async () => {
    const methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
    let answered405 = 0;
    for (const route of ROUTES) {
      const path = route.path.replace(":pool", "nope").replace(":seq", "1");
      for (const target of [path, `${path}/`]) {
        for (const method of methods) {
          const res = await rawRequest(port, method, target);
          if (res.status !== 405) continue;
          answered405++;
          const allow = res.headers.allow?.split(", ") ?? [];
          expect(allow.length, `${method} ${target}`).toBeGreaterThan(0);
          expect(allow, `${method} ${target}`).not.toContain(method);
          if (method === "HEAD") continue; // no body
          expect(res.json.error.hint, `${method} ${target}`).not.toMatch(
            new RegExp(`\\b${method}\\b`),
          );
        }
      }
    }
    expect(answered405).toBeGreaterThan(20);
  });
});

// CORS with an exact-origin allowlist: allowed origins get the headers (preflight included, no
// token needed for the preflight), other origins get none; without the option, no CORS headers.
import { afterEach, expect, test } from "vitest";
import { type Fixture, makeApp, send } from "./helpers/fixtures.js";

let f: Fixture | undefined;
afterEach(async () => {
  await f?.dispose();
  f = undefined;
});

test("an allowed origin gets CORS headers; preflight passes without a token", async () => {
  f = makeApp({ cors: { origins: ["https://app.example"] }, tokens: ["t"] });
  const pre = await send(f.app, "OPTIONS", "/v0/pools/a/append", undefined, {
    origin: "https://app.example",
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization, content-type",
  });
  expect(pre.status).toBeLessThan(300);
  expect(pre.headers.get("access-control-allow-origin")).toBe("https://app.example");
  expect(pre.headers.get("access-control-allow-headers")).toMatch(/authorization/i);
  expect(pre.headers.get("spool-version")).toBe("0");
  const res = await send(f.app, "GET", "/v0/pools", undefined, {
    origin: "https://app.example",
    authorization: "Bearer t",
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example");
  expect(res.headers.get("access-control-expose-headers")).toMatch(/spool-version/);
});

test("other origins (including near misses) get no allow-origin header", async () => {
  f = makeApp({ cors: { origins: ["https://app.example"] } });
  for (const origin of ["https://evil.example", "https://app.example.evil", "http://app.example"]) {
    const res = await send(f.app, "GET", "/v0/pools", undefined, { origin });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  }
});

test("without the option there are no CORS headers", async () => {
  f = makeApp();
  const res = await send(f.app, "GET", "/v0/pools", undefined, { origin: "https://app.example" });
  expect(res.headers.get("access-control-allow-origin")).toBeNull();
});

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

const PREFLIGHT_HEADERS = [
  "access-control-allow-origin",
  "access-control-allow-methods",
  "access-control-allow-headers",
  "access-control-max-age",
  "access-control-expose-headers",
];

test("a preflight from another origin carries no CORS header at all", async () => {
  f = makeApp({ cors: { origins: ["https://app.example"] }, tokens: ["t"] });
  for (const origin of ["https://evil.example", "https://app.example.evil"]) {
    const res = await send(f.app, "OPTIONS", "/v0/pools/a/append", undefined, {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization",
    });
    for (const name of PREFLIGHT_HEADERS) expect(res.headers.get(name), name).toBeNull();
    expect(res.headers.get("spool-version")).toBe("0");
    // Answered like any plain OPTIONS: 405 with Allow (and never 2xx, so browsers refuse it).
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  }
});

test("an allowed preflight is 204 with methods, headers and max-age, no body", async () => {
  f = makeApp({ cors: { origins: ["https://app.example"] }, tokens: ["t"] });
  const res = await send(f.app, "OPTIONS", "/v0/pools/a/events", undefined, {
    origin: "https://app.example",
    "access-control-request-method": "GET",
  });
  expect(res.status).toBe(204);
  expect(res.text).toBe("");
  expect(res.headers.get("access-control-allow-methods")).toMatch(/GET/);
  expect(res.headers.get("access-control-allow-headers")).toMatch(/last-event-id/);
  expect(res.headers.get("access-control-max-age")).toBe("600");
  expect(res.headers.get("vary")).toMatch(/origin/i);
});

test("a plain OPTIONS (no preflight headers) is answered as without CORS: 405 with Allow", async () => {
  f = makeApp({ cors: { origins: ["https://app.example"] } });
  const withCors = await send(f.app, "OPTIONS", "/v0/pools", undefined, {
    origin: "https://app.example",
  });
  const plain = await send(f.app, "OPTIONS", "/v0/pools");
  await f.dispose();
  f = makeApp();
  const without = await send(f.app, "OPTIONS", "/v0/pools");
  for (const res of [withCors, plain, without]) {
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD, POST");
    expect(res.json.error.kind).toBe("Usage");
    expect(res.headers.get("access-control-allow-methods")).toBeNull();
  }
  // The allowed origin still learns it may read the answer.
  expect(withCors.headers.get("access-control-allow-origin")).toBe("https://app.example");
  expect(plain.headers.get("access-control-allow-origin")).toBeNull();
});

test("error answers to an allowed origin carry the CORS headers too", async () => {
  f = makeApp({ cors: { origins: ["https://app.example"] }, tokens: ["t"] });
  const res = await send(f.app, "GET", "/v0/pools", undefined, { origin: "https://app.example" });
  expect(res.status).toBe(401);
  expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example");
  expect(res.headers.get("access-control-expose-headers")).toMatch(/spool-version/);
});

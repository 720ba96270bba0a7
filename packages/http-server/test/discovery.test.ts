// GET / and GET /v0 answer a JSON index (service, protocol, endpoints with methods) without a
// token; a 405's hint never points at DELETE.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fixture, makeApp, send } from "./helpers/fixtures.js";

let f: Fixture;
beforeAll(() => {
  f = makeApp({ tokens: ["secret-token"] });
});
afterAll(async () => {
  await f.dispose();
});

describe("index", () => {
  test.each(["/", "/v0"])("GET %s is the index, without a token", async (path) => {
    const res = await send(f.app, "GET", path);
    expect(res.status).toBe(200);
    expect(res.headers.get("spool-version")).toBe("0");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.json.service).toBe("spool");
    expect(res.json.protocol).toBe("v0");
    const endpoints = res.json.endpoints as { path: string; methods: string[] }[];
    expect(endpoints).toContainEqual({ path: "/v0/pools", methods: ["GET", "HEAD", "POST"] });
    expect(endpoints).toContainEqual({ path: "/v0/pools/{pool}/append", methods: ["POST"] });
    expect(endpoints).toContainEqual({ path: "/v0/pools/{pool}", methods: ["DELETE"] });
    expect(res.text).not.toMatch(/https?:\/\//);
  });

  test("the index takes no query parameters, and only GET/HEAD", async () => {
    expect((await send(f.app, "GET", "/v0?x=1")).status).toBe(400);
    const post = await send(f.app, "POST", "/v0", {});
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });
});

describe("405 hints", () => {
  test("a wrong method on the pool path does not suggest DELETE", async () => {
    const headers = { authorization: "Bearer secret-token" };
    const res = await send(f.app, "GET", "/v0/pools/build", undefined, headers);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("DELETE");
    expect(res.json.error.hint).not.toContain("DELETE");
    expect(res.json.error.hint).toContain("/v0/pools/build/info");
  });

  test("elsewhere it lists the safe methods", async () => {
    const res = await send(f.app, "PUT", "/v0/pools");
    expect(res.status).toBe(405);
    expect(res.json.error.hint).toBe("use GET, HEAD, POST");
  });
});

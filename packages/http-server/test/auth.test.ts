// Bearer tokens and access modes: no token, wrong token, and each access mode × each endpoint
// (consumers: listing and reading cursors and groups is meta; a tail with a cursor, cursor acks,
// resets and deletes, and group changes and claims consume, which needs read-write).
import { afterEach, describe, expect, test } from "vitest";
import type { AccessMode, CreateAppOptions } from "../src/index.js";
import { type Fixture, makeApp, send } from "./helpers/fixtures.js";

type Op = "read" | "write" | "meta" | "consume";
interface Endpoint {
  op: Op;
  method: string;
  path: string;
  body?: unknown;
}

/** Every endpoint; each call gets fresh pool names so writes never collide. */
function endpoints(n: number): Endpoint[] {
  return [
    { op: "meta", method: "GET", path: "/v0/pools" },
    { op: "write", method: "POST", path: "/v0/pools", body: { pool: `new${n}` } },
    { op: "meta", method: "POST", path: "/v0/pools/open", body: { pool: "p" } },
    { op: "meta", method: "GET", path: "/v0/pools/p/info" },
    { op: "write", method: "DELETE", path: `/v0/pools/gone${n}` },
    { op: "write", method: "POST", path: "/v0/pools/p/append", body: { data: 1 } },
    {
      op: "write",
      method: "POST",
      path: "/v0/pools/p/append_batch",
      body: { messages: [{ data: 1 }] },
    },
    { op: "read", method: "GET", path: "/v0/pools/p/messages/1" },
    { op: "read", method: "GET", path: "/v0/pools/p/tail?since_seq=1&max=1" },
    { op: "meta", method: "GET", path: "/v0/pools/p/cursors" },
    { op: "meta", method: "GET", path: "/v0/pools/p/cursors/kept" },
    { op: "meta", method: "GET", path: "/v0/pools/p/groups" },
    { op: "meta", method: "GET", path: "/v0/pools/p/groups/kept" },
    { op: "consume", method: "GET", path: `/v0/pools/p/tail?cursor=c${n}&since_seq=1&max=1` },
    { op: "consume", method: "GET", path: `/v0/pools/p/events?cursor=e${n}&since_seq=1&max=1` },
    { op: "consume", method: "POST", path: "/v0/pools/p/cursors/kept/ack", body: { seq: 1 } },
    { op: "consume", method: "POST", path: "/v0/pools/p/cursors/kept/reset", body: { seq: 1 } },
    { op: "consume", method: "DELETE", path: `/v0/pools/p/cursors/del${n}` },
    { op: "consume", method: "PUT", path: `/v0/pools/p/groups/g${n}`, body: { since: "oldest" } },
    { op: "consume", method: "POST", path: `/v0/pools/p/groups/g${n}/claim`, body: {} },
    { op: "consume", method: "DELETE", path: `/v0/pools/p/groups/del${n}` },
  ];
}

let f: Fixture | undefined;
afterEach(async () => {
  await f?.dispose();
  f = undefined;
});

async function setup(options: CreateAppOptions): Promise<Fixture> {
  f = makeApp(options);
  const { createPool } = await import("@spool/core");
  const pool = createPool("p", { dir: f.dir });
  pool.append({ seed: true });
  pool.cursor("kept").reset({ seq: 1 });
  pool.group("kept").ensure();
  for (let n = 0; n < 4; n++) {
    pool.cursor(`del${n}`).reset({ seq: 1 });
    pool.group(`del${n}`).ensure();
  }
  pool.close();
  for (let n = 0; n < 4; n++) createPool(`gone${n}`, { dir: f.dir }).close();
  return f;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("tokens", () => {
  test("no token, malformed and wrong tokens are 401 with www-authenticate on every endpoint", async () => {
    const { app } = await setup({ tokens: ["right-token"] });
    for (const headers of [
      {},
      bearer("wrong-token"),
      { authorization: "Basic abc" },
      bearer("right-toke"),
    ]) {
      for (const e of endpoints(0)) {
        const res = await send(app, e.method, e.path, e.body, headers);
        expect(res.status, `${e.method} ${e.path}`).toBe(401);
        expect(res.json.error.kind).toBe("Permission");
        expect(res.json.error.hint).toBeTruthy();
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
        expect(res.headers.get("spool-version")).toBe("0");
      }
    }
    expect(app.openTails).toBe(0);
  });

  test("the right token passes; any of several tokens; healthz needs none", async () => {
    const { app } = await setup({ tokens: ["t1", "t2"] });
    for (const token of ["t1", "t2"]) {
      const res = await send(app, "GET", "/v0/pools/p/info", undefined, bearer(token));
      expect(res.status).toBe(200);
    }
    expect((await send(app, "GET", "/healthz")).status).toBe(200);
  });

  test("a body is not read before authentication (401 even for a huge body)", async () => {
    const { app } = await setup({ tokens: ["t"], limits: { maxBodyBytes: 1024 } });
    const res = await send(
      app,
      "POST",
      "/v0/pools/p/append",
      JSON.stringify({ data: "x".repeat(5000) }),
    );
    expect(res.status).toBe(401);
  });
});

describe("access modes × endpoints", () => {
  const allowed: Record<AccessMode, Op[]> = {
    "read-write": ["read", "write", "meta", "consume"],
    "read-only": ["read", "meta"],
    "write-only": ["write", "meta"],
  };
  for (const mode of ["read-only", "write-only", "read-write"] as const) {
    test(`${mode} server (no tokens)`, async () => {
      const { app } = await setup({ access: mode });
      for (const e of endpoints(1)) {
        const res = await send(app, e.method, e.path, e.body);
        if (allowed[mode].includes(e.op)) {
          expect(res.status, `${mode} ${e.method} ${e.path}: ${res.text}`).toBe(200);
        } else {
          expect(res.status, `${mode} ${e.method} ${e.path}`).toBe(403);
          expect(res.json.error.kind).toBe("Permission");
          expect(res.json.error.hint).toBeTruthy();
        }
      }
    });

    test(`${mode} token on a read-write server`, async () => {
      const { app } = await setup({
        tokens: [{ token: "scoped", access: mode }, "full"],
        access: "read-write",
      });
      for (const e of endpoints(2)) {
        const res = await send(app, e.method, e.path, e.body, bearer("scoped"));
        const expected = allowed[mode].includes(e.op) ? 200 : 403;
        expect(res.status, `${mode} ${e.method} ${e.path}: ${res.text}`).toBe(expected);
      }
      for (const e of endpoints(3)) {
        const res = await send(app, e.method, e.path, e.body, bearer("full"));
        expect(res.status, `full ${e.method} ${e.path}: ${res.text}`).toBe(200);
      }
    });

    test(`${mode} token on a read-only server: the token's own mode applies`, async () => {
      const { app } = await setup({
        tokens: [{ token: "scoped", access: mode }, "default"],
        access: "read-only",
      });
      for (const e of endpoints(2)) {
        const res = await send(app, e.method, e.path, e.body, bearer("scoped"));
        const expected = allowed[mode].includes(e.op) ? 200 : 403;
        expect(res.status, `${mode} ${e.method} ${e.path}: ${res.text}`).toBe(expected);
      }
      // A token without its own mode has the server's (read-only).
      for (const e of endpoints(3)) {
        const res = await send(app, e.method, e.path, e.body, bearer("default"));
        const expected = allowed["read-only"].includes(e.op) ? 200 : 403;
        expect(res.status, `default ${e.method} ${e.path}: ${res.text}`).toBe(expected);
      }
    });
  }
});

describe("options", () => {
  test("invalid options are refused with Usage naming the option", async () => {
    const { createApp } = await import("../src/index.js");
    expect(() => createApp({ access: "everything" as AccessMode })).toThrow(/access/);
    expect(() => createApp({ tokens: [""] })).toThrow(/tokens/);
    expect(() => createApp({ limits: { maxBodyBytes: 0 } })).toThrow(/maxBodyBytes/);
  });
});

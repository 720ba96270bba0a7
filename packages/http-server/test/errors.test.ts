// The error envelope for each kind with its status from core's table, and the app's own
// non-table statuses (401, 405, 413).
import { writeFileSync } from "node:fs";
import { ERROR_KINDS, HTTP_STATUSES, SpoolError } from "@spool/core";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { errorResponse, statusOf, toSpoolError, withStatus } from "../src/errors.js";
import { ROUTES } from "../src/routes/table.js";
import { type Fixture, makeApp, send } from "./helpers/fixtures.js";

describe("errorResponse", () => {
  test.each(ERROR_KINDS)(
    "%s → its status from core's HTTP_STATUSES and the envelope",
    async (kind) => {
      const error = new SpoolError(kind, `a ${kind} error`, {
        hint: "do this",
        path: "/p",
        seq: 3,
        offset: 9,
      });
      const res = errorResponse(error);
      expect(res.status).toBe(HTTP_STATUSES[kind]);
      expect(res.headers.get("spool-version")).toBe("0");
      expect(await res.json()).toEqual({
        error: { kind, message: `a ${kind} error`, hint: "do this", path: "/p", seq: 3, offset: 9 },
      });
    },
  );

  test("optional fields are omitted, not null", async () => {
    const res = errorResponse(new SpoolError("Usage", "bad"));
    expect(await res.json()).toEqual({ error: { kind: "Usage", message: "bad" } });
  });

  test("a status override wins over the table", () => {
    const error = withStatus(new SpoolError("Permission", "no token"), 401);
    expect(statusOf(error)).toBe(401);
    expect(statusOf(new SpoolError("Permission", "mode"))).toBe(403);
  });

  test("non-Spool errors become Internal (500) or their errno kind", () => {
    expect(toSpoolError(new Error("boom")).kind).toBe("Internal");
    expect(statusOf(toSpoolError(new Error("boom")))).toBe(500);
    const eacces = Object.assign(new Error("denied"), { code: "EACCES" });
    expect(toSpoolError(eacces).kind).toBe("Permission");
    const eio = Object.assign(new Error("io"), { code: "EIO" });
    expect(statusOf(toSpoolError(eio))).toBe(500);
    expect(toSpoolError(eio).kind).toBe("Io");
  });
});

describe("kinds through the app", () => {
  let f: Fixture;
  const internal: Error[] = [];
  beforeEach(async () => {
    f = makeApp({ onInternalError: (e) => internal.push(e) });
    await send(f.app, "POST", "/v0/pools", { pool: "a" });
  });
  afterEach(async () => {
    await f.dispose();
  });

  test("Usage 400, NotFound 404, AlreadyExists 409", async () => {
    expect((await send(f.app, "POST", "/v0/pools/a/append", "{")).status).toBe(400);
    expect((await send(f.app, "GET", "/v0/pools/zz/info")).json.error.kind).toBe("NotFound");
    expect((await send(f.app, "POST", "/v0/pools", { pool: "a" })).status).toBe(409);
  });

  test("Corrupt 500 with path and offset for a damaged pool file, reported to onInternalError", async () => {
    writeFileSync(`${f.dir}/bad.spool`, Buffer.alloc(64 * 1024, 0x5a));
    const res = await send(f.app, "GET", "/v0/pools/bad/info");
    expect(res.status).toBe(500);
    expect(res.json.error).toMatchObject({ kind: "Corrupt", offset: 0 });
    expect(res.json.error.path).toMatch(/bad\.spool$/);
    expect(res.json.error.hint).toBeTruthy();
    expect(internal.some((e) => (e as SpoolError).kind === "Corrupt")).toBe(true);
  });

  test("the route table matches the registered routes", () => {
    const registered = f.app.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => `${r.method} ${r.path}`);
    expect(new Set(registered)).toEqual(new Set(ROUTES.map((r) => `${r.method} ${r.path}`)));
  });
});

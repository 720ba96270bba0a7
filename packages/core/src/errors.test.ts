/**
 * Error vocabulary tests: the kind tables are complete and match the brief, the guard works
 * across copies, and system errors map to kinds with hints.
 */
import { describe, expect, it } from "vitest";
import {
  ERROR_KINDS,
  EXIT_CODES,
  fromSystemError,
  HTTP_STATUSES,
  isSpoolError,
  SpoolError,
  spoolErrorFromJson,
} from "./errors.js";

describe("errors", () => {
  it("maps every kind to the exit code and HTTP status of the brief", () => {
    expect(ERROR_KINDS).toHaveLength(10);
    expect(EXIT_CODES).toEqual({
      Internal: 1,
      Usage: 2,
      NotFound: 3,
      AlreadyExists: 4,
      Busy: 5,
      Permission: 6,
      Corrupt: 7,
      Io: 8,
      RetentionGap: 9,
      Conflict: 10,
    });
    expect(HTTP_STATUSES).toEqual({
      Internal: 500,
      Usage: 400,
      NotFound: 404,
      AlreadyExists: 409,
      Busy: 423,
      Permission: 403,
      Corrupt: 500,
      Io: 500,
      RetentionGap: 410,
      Conflict: 409,
    });
  });

  it("serialises only known fields and round-trips through JSON", () => {
    const error = new SpoolError("NotFound", "gone", {
      seq: 3,
      hint: "look elsewhere",
      path: "/p",
      cause: new Error("x"),
    });
    expect(error.toJSON()).toEqual({
      kind: "NotFound",
      message: "gone",
      hint: "look elsewhere",
      path: "/p",
      seq: 3,
    });
    expect(error.exitCode).toBe(3);
    expect(error.httpStatus).toBe(404);
    const back = spoolErrorFromJson(JSON.parse(JSON.stringify(error)));
    expect(isSpoolError(back, "NotFound")).toBe(true);
    expect(back.seq).toBe(3);
  });

  it("carries a Conflict's newest seq, expected producer seq and epoch as snake_case fields", () => {
    const error = new SpoolError("Conflict", "newest is 41, not 40", {
      hint: "read the pool again",
      newestSeq: 41,
      expectedSeq: 7,
      epoch: 2,
    });
    expect(error.exitCode).toBe(10);
    expect(error.httpStatus).toBe(409);
    const json = error.toJSON();
    expect(json).toEqual({
      kind: "Conflict",
      message: "newest is 41, not 40",
      hint: "read the pool again",
      newest_seq: 41,
      expected_seq: 7,
      epoch: 2,
    });
    const back = spoolErrorFromJson(json);
    expect([back.newestSeq, back.expectedSeq, back.epoch]).toEqual([41, 7, 2]);
  });

  it("carries an HTTP status other than its kind's as a field, never in its JSON", () => {
    const error = new SpoolError("Permission", "no token", { hint: "send a token", status: 401 });
    expect(error.httpStatus).toBe(401);
    expect(error.statusOverride).toBe(401);
    expect(new SpoolError("Permission", "forbidden").httpStatus).toBe(403);
    expect(error.toJSON()).toEqual({
      kind: "Permission",
      message: "no token",
      hint: "send a token",
    });
  });

  it("recognises SpoolErrors without instanceof, and rejects look-alikes", () => {
    const foreign = { isSpoolError: true, kind: "Busy", message: "m" };
    expect(isSpoolError(foreign)).toBe(true);
    expect(isSpoolError(foreign, "Io")).toBe(false);
    expect(isSpoolError({ isSpoolError: true, kind: "Nope" })).toBe(false);
    expect(isSpoolError(new Error("x"))).toBe(false);
  });

  it("maps errno codes to kinds with hints", () => {
    const sys = (code: string) => Object.assign(new Error(code), { code });
    expect(fromSystemError(sys("ENOENT"), "/p").kind).toBe("NotFound");
    expect(fromSystemError(sys("EACCES"), "/p").kind).toBe("Permission");
    expect(fromSystemError(sys("ENOSPC"), "/p").kind).toBe("Io");
    expect(fromSystemError(sys("EIO"), "/p").kind).toBe("Io");
    expect(fromSystemError(new TypeError("bug")).kind).toBe("Internal");
    for (const code of ["ENOENT", "EACCES", "ENOSPC", "EIO", "EEXIST"])
      expect(fromSystemError(sys(code), "/p").hint).toBeTruthy();
  });
});

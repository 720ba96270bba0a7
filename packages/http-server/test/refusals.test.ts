// What the server app writes for requests Node's HTTP parser refused (parserErrorResponse), and
// how the app classifies a client that went away mid-request (toSpoolError): complete HTTP/1.1
// answers with the protocol headers, `connection: close`, an exact content-length, the status of
// the refusal and the envelope with a hint; a reset gets no answer; an abort is Usage, never 5xx.
import { describe, expect, test } from "vitest";
import { statusOf, toSpoolError } from "../src/errors.js";
import { parserErrorResponse } from "../src/index.js";
import { parseResponse } from "./helpers/raw-http.js";

describe("parserErrorResponse", () => {
  test.each([
    ["HPE_INVALID_CHUNK_SIZE", 400, "Bad Request", /malformed HTTP request: invalid character/],
    ["HPE_INVALID_TRANSFER_ENCODING", 400, "Bad Request", /malformed HTTP request/],
    ["HPE_UNEXPECTED_CONTENT_LENGTH", 400, "Bad Request", /malformed HTTP request/],
    ["HPE_HEADER_OVERFLOW", 431, "Request Header Fields Too Large", /headers are too large/],
    ["HPE_CHUNK_EXTENSIONS_OVERFLOW", 413, "Content Too Large", /chunk extensions/],
    ["HPE_INVALID_METHOD", 501, "Not Implemented", /unknown HTTP method/],
    ["ERR_HTTP_REQUEST_TIMEOUT", 408, "Request Timeout", /did not arrive in time/],
    [undefined, 400, "Bad Request", /^malformed HTTP request/],
  ])("%s → %s %s", (code, status, reason, message) => {
    const error = Object.assign(new Error("Parse Error"), {
      code,
      reason: "Invalid character in chunk size",
    });
    const text = parserErrorResponse(error);
    expect(text).toBeDefined();
    expect(text!.startsWith(`HTTP/1.1 ${status} ${reason}\r\n`)).toBe(true);
    const res = parseResponse(Buffer.from(text!));
    expect(res.status).toBe(status);
    expect(res.headers).toMatchObject({
      "spool-version": "0",
      "content-type": "application/json",
      "cache-control": "no-store",
      connection: "close",
    });
    expect(Number(res.headers["content-length"])).toBe(Buffer.byteLength(res.body));
    expect(Object.keys(res.json)).toEqual(["error"]);
    expect(res.json.error.kind).toBe("Usage");
    expect(res.json.error.message).toMatch(message);
    expect(res.json.error.hint).toEqual(expect.any(String));
  });

  test("a reset connection gets no answer", () => {
    expect(parserErrorResponse(Object.assign(new Error("read"), { code: "ECONNRESET" }))).toBe(
      undefined,
    );
  });
});

describe("a client that went away mid-request", () => {
  test.each(["ECONNRESET", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE"])(
    "%s while reading the body is Usage 400 with a hint, not Internal",
    (code) => {
      const error = toSpoolError(Object.assign(new Error("aborted"), { code }));
      expect(error.kind).toBe("Usage");
      expect(statusOf(error)).toBe(400);
      expect(error.message).toMatch(/client closed the connection/);
      expect(error.hint).toEqual(expect.any(String));
    },
  );

  test("other system errors keep their kind (I/O stays Io)", () => {
    expect(toSpoolError(Object.assign(new Error("disk"), { code: "EIO" })).kind).toBe("Io");
  });
});

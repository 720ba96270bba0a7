/**
 * Answers the requests Node's HTTP parser refuses before the app sees them (bad chunked framing,
 * Content-Length with Transfer-Encoding, too-large headers, unknown methods, timeouts), through
 * the server's `clientError` event, with `@spool/http-server`'s answer: the error envelope, the
 * protocol headers (`spool-version: 0`), `connection: close` and the status of its kind of
 * refusal (400, 408, 413, 431 or 501). Without this hook Node writes a bare status line.
 *
 * Invariants: an answer is written only while no response of the connection has started (the
 * same check Node's own handler makes, so a client mid-response never reads corrupted bytes);
 * the connection is closed after it (or at once when there is nothing to answer, e.g. a reset);
 * nothing here is logged as an internal error.
 */
import type { Duplex } from "node:stream";
import type { ServerType } from "@hono/node-server";
import { parserErrorResponse } from "@spool/http-server";

/** A socket's in-flight response, as Node's HTTP server tracks it. */
type HttpSocket = Duplex & { _httpMessage?: { headersSent?: boolean } | null };

/** Installs the `clientError` handler on `server`. */
export function answerRefusedRequests(server: ServerType): void {
  server.on("clientError", (error: Error, socket: Duplex) => {
    const started = (socket as HttpSocket)._httpMessage?.headersSent === true;
    const answer = socket.writable && !started ? parserErrorResponse(error) : undefined;
    if (answer === undefined) {
      socket.destroy();
      return;
    }
    socket.end(answer, () => socket.destroy());
  });
}

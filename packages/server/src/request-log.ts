/**
 * Request logging around `app.fetch`, without touching the app: the wrapper records the start,
 * and the node response's `close` event (which fires when the body ended, streamed or not, or
 * the client went away) writes the log line with the final status, the duration and the bytes
 * sent on the connection for this response (status line, headers and body, as the socket counts
 * them). A request whose client went away before its response was completely sent (a tail the
 * client stopped, a body cut off mid-way) is marked `aborted: true`. A WebSocket upgrade (which
 * has no node response) is logged when its socket closes, with status 101 when it was upgraded
 * (else the refusal's status), the session's duration and bytes, and `websocket: true`.
 *
 * Invariants: exactly one line per request; the path is the one the client sent (the raw request
 * target, before any dot segment was resolved), logged without its query string (no query value
 * ever reaches the log), and no header is logged (so no token); a failure of the logger never
 * fails the request.
 */
import type { Http2Bindings, HttpBindings } from "@hono/node-server";
import type { Logger } from "./log.js";

type Fetch = (request: Request, env: HttpBindings | Http2Bindings) => Response | Promise<Response>;

/** Wraps `fetch` so every request is logged once when its response ends. */
export function withRequestLog(fetch: Fetch, log: Logger): Fetch {
  return (request, env) => {
    const started = performance.now();
    const outgoing = env?.outgoing;
    const socket = env?.incoming.socket;
    const sentBefore = socket?.bytesWritten ?? 0;
    const remote = socket?.remoteAddress; // read now: a closed socket no longer knows it
    const target = env?.incoming.url ?? request.url;
    if (outgoing) {
      outgoing.once("close", () => {
        try {
          const sent = socket ? socket.bytesWritten - sentBefore : Number.NaN;
          log.request({
            method: request.method,
            path: pathOf(target),
            status: outgoing.statusCode,
            duration_ms: Math.round((performance.now() - started) * 100) / 100,
            bytes: Number.isFinite(sent) && sent > 0 ? sent : undefined,
            remote,
            aborted: outgoing.writableFinished ? undefined : true,
          });
        } catch {
          // logging must never break serving
        }
      });
    }
    if (!outgoing && socket && env?.incoming.headers.upgrade !== undefined) {
      return upgradeLogged(fetch(request, env), socket, {
        method: request.method,
        path: pathOf(target),
        started,
        sentBefore,
        remote,
        log,
      });
    }
    return fetch(request, env);
  };
}

/** Logs an upgrade request once its socket closed (see the module header). */
async function upgradeLogged(
  answer: Response | Promise<Response>,
  socket: { bytesWritten: number; once(event: "close", listener: () => void): unknown },
  line: {
    method: string;
    path: string;
    started: number;
    sentBefore: number;
    remote: string | undefined;
    log: Logger;
  },
): Promise<Response> {
  const response = await answer;
  // @hono/node-server's upgrade helper answers 200 for a socket it upgrades.
  const status = response.status === 200 ? 101 : response.status;
  socket.once("close", () => {
    try {
      const sent = socket.bytesWritten - line.sentBefore;
      line.log.request({
        method: line.method,
        path: line.path,
        status,
        duration_ms: Math.round((performance.now() - line.started) * 100) / 100,
        bytes: sent > 0 ? sent : undefined,
        remote: line.remote,
        websocket: true,
      });
    } catch {
      // logging must never break serving
    }
  });
  return response;
}

/** The path of a request target or URL (`/p?q`, `http://h/p?q`), without the query. */
function pathOf(url: string): string {
  const start = url.startsWith("/") ? 0 : url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = url.indexOf("?", start);
  return end < 0 ? url.slice(start) : url.slice(start, end);
}

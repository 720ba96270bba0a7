/**
 * What went over the wire in an `http` step, and the protocol's own contract checked on it
 * (spec/http/v0 §2, §4, §5): every response carries `spool-version: 0`; an error response is the
 * error envelope `{"error": {kind, message, hint?, path?, seq?, offset?}}` (absent fields
 * omitted, never null) with the status of its kind in core's HTTP_STATUSES (never redefined),
 * except the protocol's documented 401 (with a `www-authenticate: Bearer` challenge), 405 and
 * 413; a tail's JSONL lines are envelopes in their exact rendering, gap lines or one final error
 * line; and the SDK hands the caller exactly what the server answered (the same error fields,
 * the same PoolInfo).
 *
 * Invariants: the recorder wraps the real fetch (the global one unless told otherwise) and
 * changes nothing it passes on; it reads a copy of each body (JSON bodies whole, a JSONL stream
 * alongside the SDK through a tee, so tails stay streamed and nothing piles up); every breach is
 * one violation naming the request, the expected and the actual value.
 */
import { type ErrorKind, HTTP_STATUSES, isErrorKind, type SpoolErrorJson } from "@spool/core";
import { canonical } from "../runner/normalise.js";

/** One request and its answer. */
export interface Exchange {
  /** `POST /v0/pools/p/append` (the URL's path and query). */
  request: string;
  status: number;
  version: string | null;
  contentType: string;
  /** The `www-authenticate` header (a 401 must carry a Bearer challenge). */
  authenticate?: string | null;
  /** The body of a JSON answer (absent for streams). */
  body?: string;
  /** A JSONL stream's text as read alongside the SDK, settled when the stream ended or broke. */
  stream?: Promise<{ text: string; complete: boolean }>;
}

/** The statuses the protocol gives outside the kind table, and the kind each must carry. */
const EXTRA_STATUSES: Readonly<Record<number, ErrorKind>> = {
  401: "Permission",
  405: "Usage",
  413: "Usage",
};

/** Records every exchange of one step (reset by the driver before each step). */
export class Recorder {
  readonly exchanges: Exchange[] = [];
  readonly #fetch: typeof fetch;

  /** `inner`: the fetch to pass requests to (default: the global fetch at the time of the call). */
  constructor(inner?: typeof fetch) {
    this.#fetch = inner ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** A fetch for `createClient` that records what it passes on. */
  readonly fetch: typeof fetch = async (input, init) => {
    const response = await this.#fetch(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    const exchange: Exchange = {
      request: `${init?.method ?? "GET"} ${url.pathname}${url.search}`,
      status: response.status,
      version: response.headers.get("spool-version"),
      contentType: response.headers.get("content-type") ?? "",
      authenticate: response.headers.get("www-authenticate"),
    };
    this.exchanges.push(exchange);
    if (exchange.contentType.startsWith("application/jsonl"))
      exchange.stream = readAlong(response.clone(), init?.signal);
    else if (exchange.contentType.startsWith("application/json"))
      exchange.body = await response.clone().text();
    return response;
  };

  reset(): void {
    this.exchanges.length = 0;
  }

  /** The last exchange, if a request was sent. */
  get last(): Exchange | undefined {
    return this.exchanges[this.exchanges.length - 1];
  }

  /** The parsed JSON body of the last answer (undefined when there is none). */
  lastJson(): unknown {
    const body = this.last?.body;
    if (body === undefined) return undefined;
    try {
      return JSON.parse(body) as unknown;
    } catch {
      return undefined;
    }
  }
}

/**
 * How long the copy may go on after the SDK aborted its request: undici can leave a clone's
 * branch pending for good when the abort meets a body that has just ended, so the copy is then
 * cancelled and counts as incomplete (the SDK stopped reading there too).
 */
const ABORTED_COPY_MS = 200;

/** Reads a copy of a stream as the SDK reads the original (a tee: nothing piles up). */
async function readAlong(
  copy: Response,
  signal: AbortSignal | null | undefined,
): Promise<{ text: string; complete: boolean }> {
  const reader = copy.body?.getReader();
  if (!reader) return { text: "", complete: true };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let cancelled = false;
  const onAbort = (): void => {
    timer = setTimeout(() => {
      cancelled = true;
      reader.cancel().catch(() => {});
    }, ABORTED_COPY_MS);
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      // A copy cancelled after the abort also ends as done: it did not see the stream's end.
      if (done) return { text: text + decoder.decode(), complete: !cancelled };
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    return { text, complete: false }; // the SDK closed the request (caught up, or aborted)
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

const ENVELOPE_LINE = /^\{"seq":[1-9]\d*,"time":"[^"]+","meta":\{"tags":\[.*\]\},"data":.+\}$/;
const GAP_LINE = /^\{"gap":\{"from":[1-9]\d*,"to":[1-9]\d*,"count":[1-9]\d*\}\}$/;

/**
 * Problems with a tail's JSONL (spec/http/v0 §4): every line an envelope in its exact
 * rendering, a gap line, or one final error line; a stream read to its end ends with a newline.
 */
async function streamProblems(exchange: Exchange): Promise<string[]> {
  if (!exchange.stream) return [];
  const { text, complete } = await exchange.stream;
  const at = `${exchange.request} (JSONL)`;
  const lines = text.split("\n");
  const rest = lines.pop() ?? "";
  const out: string[] = [];
  if (complete && rest !== "")
    out.push(`${at}: the stream ends without a newline: ${rest.slice(0, 200)}`);
  lines.forEach((line, i) => {
    if (ENVELOPE_LINE.test(line) || GAP_LINE.test(line)) return;
    if (line.startsWith('{"error":')) {
      // The SDK may close the request once it has the error line, so `complete` can be false.
      if (i !== lines.length - 1 || rest !== "")
        out.push(`${at}: an error line that is not the stream's last: ${line.slice(0, 200)}`);
      else out.push(...envelopeShape(`${at}: the final line`, line).problems);
      return;
    }
    out.push(`${at}: not an envelope (exact rendering), gap or error line: ${line.slice(0, 200)}`);
  });
  return out;
}

/** Problems with an error envelope's text; `kind` when it is one. */
function envelopeShape(at: string, text: string): { kind?: ErrorKind; problems: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { problems: [`${at} without the error envelope (body: ${text.slice(0, 200)})`] };
  }
  const error = (parsed as { error?: Record<string, unknown> } | null)?.error;
  if (!error || typeof error !== "object" || !isErrorKind(error.kind))
    return {
      problems: [
        `${at}: the body is not an error envelope: ${JSON.stringify(parsed).slice(0, 200)}`,
      ],
    };
  const problems: string[] = [];
  if (typeof error.message !== "string") problems.push(`${at}: the error has no message`);
  for (const key of ["hint", "path", "seq", "offset"]) {
    if (key in error && (error[key] === null || error[key] === undefined))
      problems.push(`${at}: the error's ${key} is null (absent fields must be omitted)`);
  }
  return { kind: error.kind, problems };
}

/** An error answer: the envelope, and the status its kind has (or a documented exception). */
function envelopeProblems(exchange: Exchange): string[] {
  const at = `${exchange.request} answered ${exchange.status}`;
  const { kind, problems } = envelopeShape(at, exchange.body ?? "");
  if (kind === undefined) return problems;
  const extra = EXTRA_STATUSES[exchange.status];
  if (extra !== undefined) {
    if (kind !== extra)
      problems.push(
        `${at} with kind ${kind}, but ${exchange.status} carries ${extra} (spec/http/v0 §5)`,
      );
  } else if (HTTP_STATUSES[kind] !== exchange.status) {
    problems.push(
      `${at}, but the error kind ${kind} is ${HTTP_STATUSES[kind]} (core's HTTP_STATUSES, spec/http/v0 §5)`,
    );
  }
  return problems;
}

/**
 * The protocol breaches in a step's exchanges (empty when there are none).
 *
 * @example
 * const violations = await exchangeProblems(recorder.exchanges);
 */
export async function exchangeProblems(exchanges: readonly Exchange[]): Promise<string[]> {
  const out: string[] = [];
  for (const exchange of exchanges) {
    if (exchange.version !== "0")
      out.push(
        `${exchange.request} answered ${exchange.status} with spool-version ${JSON.stringify(exchange.version)}, expected "0"`,
      );
    if (exchange.status === 401 && !/^Bearer\b/.test(exchange.authenticate ?? ""))
      out.push(
        `${exchange.request} answered 401 without a www-authenticate: Bearer challenge (spec/http/v0 §5)`,
      );
    if (exchange.status >= 400) {
      if (!exchange.contentType.startsWith("application/json"))
        out.push(
          `${exchange.request} answered ${exchange.status} as ${exchange.contentType || "no content type"}, not the JSON error envelope`,
        );
      else out.push(...envelopeProblems(exchange));
    }
    out.push(...(await streamProblems(exchange)));
  }
  return out;
}

/**
 * A violation when the SDK's view of a value differs from what the server sent (a dropped,
 * defaulted or renamed field), or undefined when they are equal.
 *
 * @example
 * sameAsWire("PoolInfo", poolInfoJson(await pool.info()), (recorder.lastJson() as any).pool)
 */
export function sameAsWire(what: string, sdk: unknown, wire: unknown): string | undefined {
  if (canonical(sdk) === canonical(wire)) return undefined;
  return `the SDK's ${what} differs from the server's answer: ${canonical(sdk).slice(0, 300)} vs ${canonical(wire).slice(0, 300)}`;
}

/** The `error` member of the last error answer, as the server sent it. */
export function wireError(exchange: Exchange | undefined): SpoolErrorJson | undefined {
  if (!exchange || exchange.status < 400 || exchange.body === undefined) return undefined;
  try {
    const error = (JSON.parse(exchange.body) as { error?: SpoolErrorJson }).error;
    return error && typeof error === "object" ? error : undefined;
  } catch {
    return undefined;
  }
}

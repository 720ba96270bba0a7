/**
 * Raw requests, for the two places where the http driver goes around @spool/client on purpose:
 * - **probes**: when the SDK refuses a step's input before sending anything (a seq of 0, `since`
 *   with `last`, an empty tag filter, a size out of range...), the application sees the SDK's
 *   Usage error, and that is the step's outcome. But other clients of protocol v0 (curl, other
 *   SDKs) reach the server with such input, so the driver also sends the raw request the input
 *   spells and requires the server to refuse it the same way;
 * - requests the SDK never sends (an empty batch, which it answers with `[]` itself).
 *
 * Invariants: a probe is built only for ops whose protocol spelling is unambiguous (get,
 * create, tail, append: its body with the step's data text or raw `json_hex` bytes spliced in); raw requests go through the same recording fetch (so the protocol checks of
 * http-wire.ts apply to them too) with the step's token; a body is always consumed or
 * cancelled, and a probed tail carries a short `timeout_ms`, so one the server wrongly accepts
 * still ends; a probe yields at most one violation, never a change of the step's outcome.
 */
import type { Recorder } from "./http-wire.js";
import { wireError } from "./http-wire.js";
import { hexBytes } from "./inputs.js";
import type { DriverStep } from "./types.js";

/** A request: method, path (with query) under the base URL, JSON body text (or raw bytes). */
export interface RawRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  body?: string | Uint8Array;
}

/**
 * Sends `request` through the recorder, with the step's token.
 *
 * @example
 * const response = await sendRaw(recorder, url, null, { method: "GET", path: "/v0/pools" });
 */
export function sendRaw(
  recorder: Recorder,
  baseUrl: string,
  token: string | null,
  request: RawRequest,
): Promise<Response> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (request.body !== undefined) headers["content-type"] = "application/json";
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return recorder.fetch(`${baseUrl}${request.path}`, {
    method: request.method,
    headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
}

/** A pool's URL path (`/v0/pools/NAME` and `suffix`), the name as one path segment. */
export const poolPath = (name: string, suffix = "") =>
  `/v0/pools/${encodeURIComponent(name)}${suffix}`;

/**
 * A producer input as protocol v0's body members (`producer_id`, `producer_epoch`,
 * `producer_seq`), every field as given, unchecked; a field protocol v0 has no name for is sent
 * as `producer_<field>` (the server refuses unknown members), so the request says what the
 * input says.
 */
function producerMembers(producer: unknown): string {
  if (producer === undefined) return "";
  if (producer === null || typeof producer !== "object" || Array.isArray(producer))
    return `,"producer_id":${JSON.stringify(producer)}`;
  return Object.entries(producer as Record<string, unknown>)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `,${JSON.stringify(`producer_${key}`)}:${JSON.stringify(value)}`)
    .join("");
}

/** The request a step's input spells in protocol v0, or undefined when there is none. */
export function probeFor(step: DriverStep): RawRequest | undefined {
  const { op, pool, input } = step;
  if (pool === undefined || pool.includes("/")) return undefined;
  switch (op) {
    case "get":
      return {
        method: "GET",
        path: poolPath(pool, `/messages/${encodeURIComponent(String(input.seq))}`),
      };
    case "create": {
      const body: Record<string, unknown> = { pool };
      // size_bytes is a number on the wire; text the SDK refused goes as it is (a wrong type).
      if (input.size !== undefined) body.size_bytes = input.size;
      return { method: "POST", path: "/v0/pools", body: JSON.stringify(body) };
    }
    case "append": {
      // The body the SDK would have sent, with raw bytes spliced in as they are.
      // Every member the step gives, as given (a bad value must reach the server as it is).
      const tags = input.tags === undefined ? "" : `,"tags":${JSON.stringify(input.tags)}`;
      const durability =
        input.durability === undefined ? "" : `,"durability":${JSON.stringify(input.durability)}`;
      const data =
        typeof input.json_hex === "string"
          ? hexBytes(input.json_hex)
          : typeof input.json === "string"
            ? input.json
            : JSON.stringify(input.data);
      if (data === undefined) return undefined;
      const head = new TextEncoder().encode('{"data":');
      const expected =
        input.expected_last_seq === undefined
          ? ""
          : `,"expected_last_seq":${JSON.stringify(input.expected_last_seq)}`;
      const tail = new TextEncoder().encode(
        `${tags}${durability}${expected}${producerMembers(input.producer)}}`,
      );
      const middle = typeof data === "string" ? new TextEncoder().encode(data) : data;
      const body = new Uint8Array(head.length + middle.length + tail.length);
      body.set(head, 0);
      body.set(middle, head.length);
      body.set(tail, head.length + middle.length);
      return { method: "POST", path: poolPath(pool, "/append"), body };
    }
    case "append_batch": {
      // Only a producer's batch: the body the SDK would have sent, the producer as given.
      if (input.producer === undefined || !Array.isArray(input.messages)) return undefined;
      const messages = (input.messages as { data?: unknown; tags?: unknown }[]).map((m) =>
        m.tags === undefined ? { data: m.data } : { data: m.data, tags: m.tags },
      );
      const durability =
        input.durability === undefined ? "" : `,"durability":${JSON.stringify(input.durability)}`;
      const expected =
        input.expected_last_seq === undefined
          ? ""
          : `,"expected_last_seq":${JSON.stringify(input.expected_last_seq)}`;
      const body = `{"messages":${JSON.stringify(messages)}${durability}${expected}${producerMembers(input.producer)}}`;
      return { method: "POST", path: poolPath(pool, "/append_batch"), body };
    }
    case "tail": {
      const query = new URLSearchParams();
      const names = {
        since: "since_seq",
        since_time: "since_time",
        last: "last",
        max: "max",
        gap_policy: "gap_policy",
      };
      for (const [key, name] of Object.entries(names))
        if (input[key] !== undefined) query.set(name, String(input[key]));
      if (Array.isArray(input.tags)) for (const tag of input.tags) query.append("tag", String(tag));
      const where = input.where;
      for (const e of typeof where === "string" ? [where] : Array.isArray(where) ? where : []) {
        query.append("where", String(e));
      }
      query.set("timeout_ms", "100"); // a tail the server wrongly accepts still ends
      return { method: "GET", path: `${poolPath(pool, "/tail")}?${query}` };
    }
    default:
      return undefined;
  }
}

/**
 * Sends the probe for a step whose input the SDK refused with `kind`; a violation when the
 * server does not refuse it with the same kind.
 *
 * @example
 * const problem = await probe(recorder, server.url, step, "Usage", token);
 */
export async function probe(
  recorder: Recorder,
  baseUrl: string,
  step: DriverStep,
  kind: string,
  token: string | null,
): Promise<string | undefined> {
  const request = probeFor(step);
  if (!request) return undefined;
  const response = await sendRaw(recorder, baseUrl, token, request);
  const what = `the SDK refuses this input before sending it (${kind}), but the server answers ${request.method} ${request.path}${request.body === undefined ? "" : ` ${typeof request.body === "string" ? request.body : `(${request.body.length} bytes)`}`} with ${response.status}`;
  if (response.ok) {
    await response.body?.cancel();
    return what;
  }
  await response.body?.cancel().catch(() => {});
  const error = wireError(recorder.last);
  return error?.kind === kind ? undefined : `${what} ${error?.kind ?? "(no error envelope)"}`;
}

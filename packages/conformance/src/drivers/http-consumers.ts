/**
 * The http driver's durable-consumer ops (manifest-v0.md §3.1), spoken as the raw requests of
 * spec/http/v0 §3.3–3.4 (cursor and group routes, and a tail with `cursor=NAME`), not through
 * SDK methods: the driver checks the protocol itself.
 *
 * Invariants: request bodies carry exactly the members the step gives, as given (the server,
 * not the driver, refuses bad ones); every request goes through the step's recorder, so the
 * protocol checks of http-wire.ts apply; an error answer is thrown as the SDK would throw it
 * (`answer`); a delivery's envelope line is the exact text the server spliced into the claim
 * answer (json-spans.ts); a cursor tail ends when caught up like any conformance tail
 * (http-tail.ts): at the newest seq the pool had when it started, or after the idle timeout;
 * HTTP tails never ack, so `auto_ack` is the client acking the last message it received, as
 * the protocol asks clients to do; a `group_work` worker claims one message at a time and acks
 * or nacks it before the next claim.
 */
import { SpoolHttpError } from "@spool/client";
import { type ErrorKind, HTTP_STATUSES, isErrorKind, type SpoolErrorJson } from "@spool/core";
import { groupSettingMembers, jobFailure, WORK_LIMIT, workInput } from "./consumer-inputs.js";
import type { Result } from "./http-answers.js";
import { poolPath, type RawRequest, sendRaw } from "./http-probe.js";
import { TAIL_IDLE_MS } from "./http-tail.js";
import { type Recorder, wireError } from "./http-wire.js";
import { valueTexts } from "./json-spans.js";

/** What the consumer ops need of the http session. */
export interface HttpConsumerContext {
  recorder: Recorder;
  baseUrl: string;
  bearer: string | null;
  /** Sends `request`: its JSON answer as the result, or the error answered thrown. */
  answer(request: RawRequest): Promise<Result>;
}

/** Only the members the step gives, as given. */
function members(input: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (input[key] !== undefined) out[key] = input[key];
  return out;
}

const segment = (value: unknown) => encodeURIComponent(String(value));

/** The member `key` of an answer's body. */
function pick(result: Result, key: string): Result {
  const body = result.result as Record<string, unknown> | null;
  return { ...result, result: { [key]: body?.[key] } };
}

/**
 * Runs consumer op `op` on pool `pool` over HTTP; undefined when `op` is not a consumer op.
 *
 * @example
 * const result = await httpConsumerOp(ctx, "cursor_info", "p", { cursor: "indexer" });
 */
export async function httpConsumerOp(
  ctx: HttpConsumerContext,
  op: string,
  pool: string,
  input: Record<string, unknown>,
): Promise<Result | undefined> {
  const cursor = (suffix = "") => poolPath(pool, `/cursors/${segment(input.cursor)}${suffix}`);
  const group = (suffix = "") => poolPath(pool, `/groups/${segment(input.group)}${suffix}`);
  const post = (path: string, body: Record<string, unknown>): RawRequest => ({
    method: "POST",
    path,
    body: JSON.stringify(body),
  });
  switch (op) {
    case "cursor_info":
      return pick(await ctx.answer({ method: "GET", path: cursor() }), "cursor");
    case "cursor_list":
      return pick(await ctx.answer({ method: "GET", path: poolPath(pool, "/cursors") }), "cursors");
    case "cursor_ack":
      return pick(
        await ctx.answer(post(cursor("/ack"), members(input, ["seq", "durability"]))),
        "cursor",
      );
    case "cursor_reset":
      return pick(
        await ctx.answer(post(cursor("/reset"), members(input, ["seq", "time"]))),
        "cursor",
      );
    case "cursor_delete":
      return pick(await ctx.answer({ method: "DELETE", path: cursor() }), "cursor");
    case "group_ensure":
      return pick(
        await ctx.answer({
          method: "PUT",
          path: group(),
          body: JSON.stringify(groupSettingMembers(input)),
        }),
        "group",
      );
    case "group_claim":
      return claim(ctx, group("/claim"), {
        ...members(input, ["max", "lease_ms", "member", "ack"]),
        ...groupSettingMembers(input),
      });
    case "group_ack":
      return pick(
        await ctx.answer(
          post(
            group("/ack"),
            input.deliveries === undefined
              ? members(input, ["seq", "attempt"])
              : { deliveries: input.deliveries },
          ),
        ),
        "acked",
      );
    case "group_nack":
      return pick(
        await ctx.answer(
          post(group("/nack"), members(input, ["seq", "attempt", "delay_ms", "error"])),
        ),
        "ok",
      );
    case "group_extend":
      return pick(
        await ctx.answer(post(group("/extend"), members(input, ["seq", "attempt", "lease_ms"]))),
        "lease_until",
      );
    case "group_info":
      return pick(await ctx.answer({ method: "GET", path: group() }), "group");
    case "group_list":
      return pick(await ctx.answer({ method: "GET", path: poolPath(pool, "/groups") }), "groups");
    case "group_delete":
      return pick(await ctx.answer({ method: "DELETE", path: group() }), "group");
    case "group_work":
      return work(ctx, group, input);
    default:
      return undefined;
  }
}

/** A claim: the deliveries answered, and each one's envelope as the exact text the server sent. */
async function claim(
  ctx: HttpConsumerContext,
  path: string,
  body: Record<string, unknown>,
): Promise<Result> {
  const answered = await ctx.answer({ method: "POST", path, body: JSON.stringify(body) });
  const text = ctx.recorder.last?.body ?? "";
  const deliveries = (answered.result as { deliveries?: unknown } | null)?.deliveries;
  const lines = Array.isArray(deliveries) ? valueTexts(text, ["deliveries", "*", "message"]) : [];
  return { ...answered, result: { deliveries }, lines };
}

/** A worker: claim one, "run the job" (its exit status is the step's), ack or nack; repeat. */
async function work(
  ctx: HttpConsumerContext,
  group: (suffix?: string) => string,
  input: Record<string, unknown>,
): Promise<Result> {
  const plan = workInput(input);
  const jobs: { seq: number; attempt: number }[] = [];
  const lines: string[] = [];
  while (jobs.length < (plan.max ?? WORK_LIMIT)) {
    const claimed = await claim(ctx, group("/claim"), {
      max: 1,
      lease_ms: plan.leaseMs,
      ...(plan.member === undefined ? {} : { member: plan.member }),
      ...groupSettingMembers(input),
    });
    const [delivery] = (claimed.result as { deliveries: { seq: number; attempt: number }[] })
      .deliveries;
    if (!delivery) break;
    const ref = { seq: delivery.seq, attempt: delivery.attempt };
    jobs.push(ref);
    lines.push(...(claimed.lines ?? []));
    const finish =
      plan.exit === 0
        ? { method: "POST" as const, path: group("/ack"), body: JSON.stringify(ref) }
        : {
            method: "POST" as const,
            path: group("/nack"),
            body: JSON.stringify({
              ...ref,
              delay_ms: plan.retryDelayMs,
              error: jobFailure(plan.exit),
            }),
          };
    await ctx.answer(finish);
  }
  return { result: { jobs }, lines };
}

/** The error of a tail's final `{"error": …}` line, as the SDK throws it. */
function lineError(line: string): SpoolHttpError {
  const error = (JSON.parse(line) as { error: SpoolErrorJson }).error;
  const kind: ErrorKind = isErrorKind(error.kind) ? error.kind : "Internal";
  const { kind: _k, message, ...details } = error;
  return new SpoolHttpError(kind, String(message), HTTP_STATUSES[kind], details);
}

/**
 * A conformance tail with `cursor=NAME` (manifest-v0.md §3): replay, end when caught up, and with
 * `auto_ack` ack the last message received (`POST …/cursors/{name}/ack`).
 *
 * @example
 * const { result, lines } = await cursorTail(ctx, "p", { cursor: "indexer", since: 1, auto_ack: true });
 */
export async function cursorTail(
  ctx: HttpConsumerContext,
  pool: string,
  input: Record<string, unknown>,
): Promise<Result> {
  const { recorder, baseUrl, bearer } = ctx;
  // Caught up = the newest seq when the tail starts (nothing is appended during the step).
  const info = await sendRaw(recorder, baseUrl, bearer, {
    method: "GET",
    path: poolPath(pool, "/info"),
  });
  let newest = Number.POSITIVE_INFINITY;
  if (info.ok) {
    const bounds = (recorder.lastJson() as { pool?: { bounds?: { newest?: number } } } | undefined)
      ?.pool?.bounds;
    newest = bounds?.newest ?? 0;
  }
  await info.body?.cancel().catch(() => {});
  recorder.reset(); // the info request is the driver's, not the step's
  const query = new URLSearchParams();
  const names: Record<string, string> = {
    cursor: "cursor",
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
  for (const e of typeof where === "string" ? [where] : Array.isArray(where) ? where : [])
    query.append("where", String(e));
  query.set("gap_lines", "1");
  query.set("timeout_ms", String(TAIL_IDLE_MS));
  const path = `${poolPath(pool, "/tail")}?${query}`;
  const response = await sendRaw(recorder, baseUrl, bearer, { method: "GET", path });
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    const error = wireError(recorder.last) ?? {
      kind: "Internal",
      message: `HTTP ${response.status} without an error envelope`,
    };
    const { kind, message, ...details } = error;
    throw new SpoolHttpError(kind, message, response.status, details);
  }
  const messages: unknown[] = [];
  const lines: string[] = [];
  const gaps: unknown[] = [];
  const reader = response.body?.getReader();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let text = "";
  let done = reader === undefined;
  while (!done && reader) {
    const chunk = await reader.read();
    if (chunk.done) {
      text += decoder.decode();
      done = true;
    } else text += decoder.decode(chunk.value, { stream: true });
    let newline = text.indexOf("\n");
    while (newline >= 0) {
      const line = text.slice(0, newline);
      text = text.slice(newline + 1);
      newline = text.indexOf("\n");
      if (line === "") continue;
      if (line.startsWith('{"gap":')) {
        const { from, to, count } = (JSON.parse(line) as { gap: Record<string, unknown> }).gap;
        gaps.push({ from, to, count });
      } else if (line.startsWith('{"error":')) {
        await reader.cancel().catch(() => {});
        throw lineError(line);
      } else {
        const message = JSON.parse(line) as { seq: number };
        messages.push(message);
        lines.push(line);
        if (message.seq >= newest) done = true;
      }
      if (done) break;
    }
  }
  await reader?.cancel().catch(() => {});
  const last = (messages[messages.length - 1] as { seq?: number } | undefined)?.seq;
  if (input.auto_ack === true && last !== undefined) {
    await ctx.answer({
      method: "POST",
      path: poolPath(pool, `/cursors/${segment(input.cursor)}/ack`),
      body: JSON.stringify({ seq: last }),
    });
  }
  return { result: { messages, gaps }, lines };
}

// Redis Streams loops of the peers suite, over the bench's RESP2 client (resp.mjs): the
// persistence setting that matches Spool's `fast` durability (AOF on, appendfsync no: every
// XADD is written to the append-only file, i.e. the page cache, before its reply, and never
// fsynced by Redis), XADD one by one and pipelined into a stream kept bounded like a pool
// (`MAXLEN ~ cap`, approximate trimming), and a read of a whole stream with XRANGE in COUNT
// pages. Invariants: every loop is bounded by its count; the pipelined loop has at most `batch`
// commands in flight; the read checks it got exactly the number of entries asked for and fails
// loudly otherwise; entry values are not decoded (Buffers, as Spool's tail hands over
// stored bytes).
import { text } from "./resp.mjs";

/**
 * Turns the AOF server started by startRedis("aof") into the page-cache setting (appendfsync
 * no) and answers what the server reports: { appendonly, appendfsync, save, rewrite }.
 */
export async function pageCachePersistence(client) {
  await client.call("CONFIG", "SET", "appendfsync", "no");
  const get = async (name) => text((await client.call("CONFIG", "GET", name))[1] ?? "");
  const setting = {
    appendonly: await get("appendonly"),
    appendfsync: await get("appendfsync"),
    save: await get("save"),
    rewrite: await get("auto-aof-rewrite-percentage"),
  };
  if (setting.appendonly !== "yes" || setting.appendfsync !== "no")
    throw new Error(
      `redis: persistence is ${JSON.stringify(setting)}, expected AOF with appendfsync no`,
    );
  return setting;
}

/** The XADD of one entry `{data: json}` into `key`, trimmed to about `cap` entries. */
export function xaddCommand(key, cap, json) {
  return ["XADD", key, "MAXLEN", "~", cap, "*", "data", json];
}

/** `count` XADDs in pipelines of `batch` (one write each, then its replies); `json(i)` gives the i-th entry. */
export async function xaddPipelined(client, key, cap, count, batch, json) {
  for (let i = 0; i < count; i += batch) {
    const commands = [];
    for (let k = i; k < Math.min(i + batch, count); k++)
      commands.push(xaddCommand(key, cap, json(k)));
    await client.pipeline(commands);
  }
}

/**
 * Reads every entry of `key` from the start with `XRANGE key - + COUNT page`, then from just
 * after the last id (`(id`), until a short page; checks that `expect` entries arrived.
 */
export async function xrangeAll(client, key, expect, page) {
  let start = "-";
  let seen = 0;
  let bytes = 0;
  for (let calls = 0; calls <= Math.ceil(expect / page) + 1; calls++) {
    const entries = await client.call("XRANGE", key, start, "+", "COUNT", page);
    for (const [, fields] of entries) bytes += fields[1].length;
    seen += entries.length;
    if (entries.length < page) break;
    start = `(${text(entries[entries.length - 1][0])}`;
  }
  if (seen !== expect) throw new Error(`redis XRANGE ${key}: ${seen} entries, expected ${expect}`);
  return { entries: seen, bytes };
}

// A Redis Streams consumer group over the bench's RESP client: XADD prefill (pipelined),
// XGROUP CREATE, XREADGROUP … COUNT n STREAMS key > to claim, XACK to finish, and the XACK of
// the previous batch pipelined with the next XREADGROUP (one round trip per batch, like Spool's
// `claim({ ack })`). Invariants: entries are delivered as { id, data } with `data` the stored
// bytes (a Buffer, not decoded); an XACK that finishes fewer entries than it names throws (an
// entry acked twice or never delivered is a bench bug, not a figure).
import { text } from "./resp.mjs";

/** Appends `count` entries `data=<text>` (texts cycled) in pipelined chunks of 1000. */
export async function prefillStream(client, key, texts, count) {
  for (let at = 0; at < count; at += 1000) {
    const commands = [];
    for (let i = at; i < Math.min(count, at + 1000); i++)
      commands.push(["XADD", key, "*", "data", texts[i % texts.length]]);
    await client.pipeline(commands);
  }
  const length = await client.call("XLEN", key);
  if (length !== count) throw new Error(`redis: stream ${key} holds ${length}, expected ${count}`);
}

/** Creates consumer group `group` on `key`, starting at the stream's first entry. */
export async function createGroup(client, key, group) {
  await client.call("XGROUP", "CREATE", key, group, "0");
}

function readCommand(key, group, consumer, count) {
  return ["XREADGROUP", "GROUP", group, consumer, "COUNT", count, "STREAMS", key, ">"];
}

/** The entries of an XREADGROUP reply of one stream: [{ id, data }] ([] when none). */
function entriesOf(reply) {
  if (reply === null) return [];
  const entries = reply[0][1];
  const out = new Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const [id, fields] = entries[i];
    out[i] = { id: text(id), data: fields[1] };
  }
  return out;
}

function checkAcked(acked, ids) {
  if (acked !== ids.length)
    throw new Error(`redis: XACK finished ${acked} of ${ids.length} entries`);
}

/** Claims up to `count` new entries for `consumer`. */
export async function readGroup(client, key, group, consumer, count) {
  return entriesOf(await client.call(...readCommand(key, group, consumer, count)));
}

/** Finishes the entries `ids`. */
export async function ackEntries(client, key, group, ids) {
  checkAcked(await client.call("XACK", key, group, ...ids), ids);
}

/** XACK of `ids` (if any) and the next XREADGROUP in one write: one round trip. */
export async function ackAndRead(client, key, group, consumer, ids, count) {
  if (ids.length === 0) return readGroup(client, key, group, consumer, count);
  const [acked, reply] = await client.pipeline([
    ["XACK", key, group, ...ids],
    readCommand(key, group, consumer, count),
  ]);
  checkAcked(acked, ids);
  return entriesOf(reply);
}

/** Entries delivered but not acked (XPENDING's summary count). */
export async function pendingCount(client, key, group) {
  const [count] = await client.call("XPENDING", key, group);
  return count;
}

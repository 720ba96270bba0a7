// Child process: the load generator of the SDK producer cases, separate from the server under
// test. `run` starts `callers` concurrent callers in this process, each awaiting one append at a
// time through @spool/client for `ms` milliseconds: `pool.append(event)` (mode "plain") or
// `producer.append(event)` on one `pool.producer(id, { epoch })` shared by all callers (mode
// "producer", the SDK coalescing concurrent appends into batches). Returns the appends
// completed, the time taken (first start to last answer), per-append latency at µs resolution,
// this process's CPU use and the producer's retries. Any failed append fails the run; in
// producer mode the server's state for the producer must then count exactly those appends.
//
// The SDK is imported from its built dist by path: the bench's package.json does not list
// @spool/client (adding it would change the workspace lockfile).
import { newHistogram, quantile, record } from "../lib/histogram.mjs";
import { serveParent } from "../lib/ipc.mjs";
import { nowMs } from "../lib/measure.mjs";
import { makeEvents } from "../lib/payload.mjs";

const { createClient } = await import(
  new URL("../../../packages/client/dist/index.js", import.meta.url).href
);

const events = makeEvents(1000);
const clients = new Map();

function clientFor(baseUrl) {
  let client = clients.get(baseUrl);
  if (!client) {
    client = createClient({ baseUrl });
    clients.set(baseUrl, client);
  }
  return client;
}

/** The committed state the server keeps for producer `id` of `pool` (GET …/producers/{id}). */
async function producerState(baseUrl, pool, id) {
  const res = await fetch(`${baseUrl}/v0/pools/${pool}/producers/${encodeURIComponent(id)}`, {
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status !== 200)
    throw new Error(`GET producers/${id}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text).producer;
}

async function run({ baseUrl, pool: name, mode, callers, ms, producerId, epoch = 0 }) {
  const pool = clientFor(baseUrl).pool(name);
  let producer;
  let retries = 0;
  if (mode === "producer") {
    if (typeof pool.producer !== "function")
      throw new Error("@spool/client has no pool.producer(): the SDK producer is not built");
    producer = pool.producer(producerId, { epoch, onRetry: () => retries++ });
  } else if (mode !== "plain") throw new Error(`unknown mode ${mode}`);
  const append = producer ? (e) => producer.append(e) : (e) => pool.append(e);
  const latencies = newHistogram();
  const cpu = process.cpuUsage();
  const start = nowMs();
  const deadline = start + ms;
  let next = 0;
  let done = 0;
  const caller = async () => {
    while (nowMs() < deadline) {
      const sent = nowMs();
      const message = await append(events[next++ % events.length]);
      record(latencies, nowMs() - sent);
      // A message, or (producer, after a retry) a duplicate's original or receipt.
      if (message === null || typeof message !== "object")
        throw new Error(`append answered ${JSON.stringify(message)}`);
      done++;
    }
  };
  await Promise.all(Array.from({ length: callers }, caller));
  const seconds = (nowMs() - start) / 1000;
  const used = process.cpuUsage(cpu);
  if (producer) {
    await producer.flush?.();
    producer.close?.();
  }
  if (producer) {
    const state = await producerState(baseUrl, name, producerId);
    if (state.last_seq !== done || state.epoch !== epoch)
      throw new Error(
        `producer ${producerId}: the server keeps last_seq ${state.last_seq} (epoch ${state.epoch}) after ${done} appends answered (epoch ${epoch})`,
      );
  }
  return {
    appends: done,
    seconds,
    p50: quantile(latencies, 50),
    p99: quantile(latencies, 99),
    cpu: ((used.user + used.system) / 1e6 / seconds) * 100,
    retries,
  };
}

// Tells the parent whether the built SDK has the producer (the suite skips the group without it).
const probe = createClient({ baseUrl: "http://127.0.0.1:9" }).pool("probe");
serveParent({ run }, { hasProducer: typeof probe.producer === "function" });

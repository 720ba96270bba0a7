// The Durable Streams peer of the peers suite: the reference server (@durable-streams/server)
// started in its own child process (children/durable-streams-server.mjs) on a loopback port,
// and the few protocol requests the suite makes before timing: create a JSON-mode stream
// (`PUT /{name}` with `content-type: application/json`) and fill it (`POST /{name}` with a JSON
// array, which JSON mode stores as one message per element). Invariants: `start` answers
// { skipped: why } instead of throwing when the package is missing or the server does not come
// up, so the suite goes on without its rows; every request is bounded by a timeout and a
// non-2xx answer throws; a started server is stopped by `stop()` (its child killed if it does
// not exit), safe to call twice.
import { fileURLToPath } from "node:url";
import { forkChild } from "./ipc.mjs";

const CHILD = fileURLToPath(new URL("../children/durable-streams-server.mjs", import.meta.url));

/** The stores the reference server has, as the suite names them. */
export const DS_STORES = {
  memory: {
    label: "in-memory store, nothing on disk",
    persistence: "in-memory store (the package's default): nothing is written to disk",
  },
  file: {
    label: "file-backed store, fdatasync per append",
    persistence:
      "file-backed store: each append is written to the stream's log file and fdatasync'd, then its offset is committed to LMDB, before the answer",
  },
};

/**
 * Starts the reference server with store `mode` (a key of DS_STORES; `file` keeps its data in
 * `dataDir`). Resolves { url, version, mode, label, server (the forked child: call, stop) } or
 * { skipped: reason }.
 */
export async function startDurableStreams(mode, dataDir) {
  const why = (error) =>
    `@durable-streams/server did not start: ${error} (install the bench's devDependencies: npx -y pnpm@10.34.8 install)`;
  const args = mode === "file" ? ["file", dataDir] : ["memory"];
  try {
    const server = await forkChild(CHILD, args, {
      name: `durable-streams server (${mode})`,
      readyMs: 20_000,
    });
    const { url, version, error } = server.info;
    if (error) {
      await server.stop();
      return { skipped: why(error) };
    }
    return { url, version, mode, label: DS_STORES[mode].label, server };
  } catch (error) {
    return { skipped: why(error.message.split("\n")[0]) };
  }
}

async function request(url, init, what) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (res.status < 200 || res.status >= 300)
    throw new Error(`durable streams ${what} ${url}: ${res.status} ${text.slice(0, 300)}`);
  return res;
}

const JSON_TYPE = { "content-type": "application/json" };

/** Creates the JSON-mode stream `name`; answers its URL. */
export async function createStream(base, name) {
  const url = `${base}/${name}`;
  await request(url, { method: "PUT", headers: JSON_TYPE }, "create");
  return url;
}

/** Appends `count` of `texts` (compact JSON, cycled) to the stream at `url`, `batch` per request. */
export async function fillStream(url, texts, count, batch = 500) {
  for (let i = 0; i < count; i += batch) {
    const parts = [];
    for (let k = i; k < Math.min(i + batch, count); k++) parts.push(texts[k % texts.length]);
    await request(
      url,
      { method: "POST", headers: JSON_TYPE, body: `[${parts.join(",")}]` },
      "fill",
    );
  }
}

/** One append of `text` (one JSON value); throws unless it answers 2xx. */
export async function appendOne(url, text) {
  await request(url, { method: "POST", headers: JSON_TYPE, body: text }, "append");
}

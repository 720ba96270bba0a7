// HTTP request cases: single appends (POST /v0/pools/{pool}/append with one ~1 KB event) against
// no-op routes served by the same process with the same server library (GET /noop answering
// {"ok":true}, and POST /noop that also receives the same body), at fixed connection counts with
// pipelining 1; and batch appends (append_batch of 100 and 1,000 events) against core's
// appendBatch of the same JSON texts run inside the server process between HTTP runs (the
// ceiling: what the HTTP layer adds on top of the engine). The load comes from the load-generator child (autocannon); the server's
// CPU time is read before and after each run, so every result also says how many µs of server
// CPU one request took.

/** The body of one append: {"data": <event>} with the event's compact JSON text. */
export function appendBody(text) {
  return `{"data":${text}}`;
}

/** The body of one append_batch of `size` events (texts cycled from `offset`). */
export function batchBody(texts, size, offset = 0) {
  const parts = [];
  for (let i = 0; i < size; i++) parts.push(`{"data":${texts[(offset + i) % texts.length]}}`);
  return `{"messages":[${parts.join(",")}]}`;
}

function cpuSeconds(before, after) {
  return (after.user - before.user + after.system - before.system) / 1e6;
}

/**
 * A case that points the load generator at one URL: an untimed warm-up run in setup, then one
 * timed run per round. `perRequest` messages per request (batches). Results carry latency
 * percentiles and CPU use of both processes.
 */
function cannonCase(key, env, { url, method = "GET", body, connections, perRequest = 1 }) {
  const { cfg, server, load } = env;
  const options = { url, method, connections };
  if (body !== undefined) {
    options.body = body;
    options.headers = { "content-type": "application/json" };
  }
  return {
    key,
    setup: async () => {
      if (cfg.warmSeconds > 0) await load.call("cannon", { ...options, duration: cfg.warmSeconds });
    },
    run: async () => {
      const before = await server.call("cpu");
      const r = await load.call("cannon", { ...options, duration: cfg.seconds });
      const serverCpu = cpuSeconds(before, await server.call("cpu"));
      return {
        ops: r.requests * perRequest,
        seconds: r.seconds,
        requests: r.requests,
        p50: r.p50,
        p99: r.p99,
        clientCpu: r.cpu,
        serverCpu: (serverCpu / r.seconds) * 100,
        serverUsPerRequest: (serverCpu * 1e6) / r.requests,
      };
    },
  };
}

/** Checks once, before timing, that a request answers 200 with the expected shape. */
async function expectOk(url, init, check) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (res.status !== 200 || !check(JSON.parse(text)))
    throw new Error(`${init.method ?? "GET"} ${url}: ${res.status} ${text.slice(0, 300)}`);
}

/** Single appends and the no-op routes, at each connection count of `cfg.connections`. */
export function singleRequestCases(env) {
  const { cfg, spoolUrl, noopUrl, texts } = env;
  const appendUrl = `${spoolUrl}/v0/pools/${env.appendPool}/append`;
  const body = appendBody(texts[0]);
  const cases = [];
  for (const connections of cfg.connections) {
    cases.push(
      cannonCase(`noop GET, ${connections} conns`, env, { url: `${noopUrl}/noop`, connections }),
      cannonCase(`noop POST 1 KB, ${connections} conns`, env, {
        url: `${noopUrl}/noop`,
        method: "POST",
        body,
        connections,
      }),
      cannonCase(`append, ${connections} conns`, env, {
        url: appendUrl,
        method: "POST",
        body,
        connections,
      }),
    );
  }
  const first = cases[0];
  const setup = first.setup;
  first.setup = async () => {
    const init = { method: "POST", headers: { "content-type": "application/json" }, body };
    await expectOk(appendUrl, init, (json) => json.message?.seq > 0);
    await expectOk(`${noopUrl}/noop`, {}, (json) => json.ok === true);
    await setup();
  };
  return cases;
}

/** Batch appends over HTTP, then core's appendBatch of the same texts in the server process. */
export function batchRequestCases(env) {
  const { cfg, spoolUrl, texts } = env;
  const url = `${spoolUrl}/v0/pools/${env.batchPool}/append_batch`;
  const cases = [];
  for (const size of cfg.batchSizes) {
    const body = batchBody(texts, size);
    const http = cannonCase(`append_batch(${size}), ${cfg.batchConnections} conns`, env, {
      url,
      method: "POST",
      body,
      connections: cfg.batchConnections,
      perRequest: size,
    });
    const setup = http.setup;
    http.setup = async () => {
      const init = { method: "POST", headers: { "content-type": "application/json" }, body };
      await expectOk(url, init, (json) => json.messages?.length === size);
      await setup();
    };
    cases.push(http, coreBatchCase(env, size));
  }
  return cases;
}

/** core appendBatch of `size` pre-encoded texts ({ json, trusted }), as the route calls it, in the server process. */
function coreBatchCase(env, size) {
  const { cfg, server } = env;
  const job = (seconds) => ({ pool: env.batchPool, size, ms: seconds * 1000 });
  return {
    key: `core appendBatch(${size})`,
    setup: () => server.call("coreBatch", job(cfg.warmSeconds || 0.1)),
    run: async () => {
      const r = await server.call("coreBatch", job(cfg.seconds));
      return { ops: r.messages, seconds: r.seconds };
    },
  };
}

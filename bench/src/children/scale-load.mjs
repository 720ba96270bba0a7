// Child process: the load generator of the scale suite's "pools open in one server" curve.
// `spread` drives `connections` keep-alive connections for `duration` seconds, each one an
// autocannon instance of its own (pipelining 1) cycling through the same list of request paths
// from its own starting point, so at any moment the connections hit different pools (one
// autocannon instance with many connections starts every connection at the first path, and
// they would move through the pools in step). Response times are recorded per response into
// one histogram (µs resolution); any error, timeout or non-2xx answer fails the call. `check`
// sends one request per path and fails unless each answers 200 with an appended message.
import autocannon from "autocannon";
import { newHistogram, quantile, record } from "../lib/histogram.mjs";
import { serveParent } from "../lib/ipc.mjs";

const HEADERS = { "content-type": "application/json" };

async function spread({ url, paths, body, connections, duration }) {
  const latencies = newHistogram();
  const cpu = process.cpuUsage();
  const step = Math.max(1, Math.floor(paths.length / connections));
  const runs = [];
  for (let c = 0; c < connections; c++) {
    const from = (c * step) % paths.length;
    const order = [...paths.slice(from), ...paths.slice(0, from)];
    const instance = autocannon({
      url,
      connections: 1,
      pipelining: 1,
      duration,
      timeout: 10,
      requests: order.map((path) => ({ method: "POST", path, body, headers: HEADERS })),
    });
    instance.on("response", (_client, statusCode, _bytes, ms) => {
      if (statusCode < 300) record(latencies, ms);
    });
    runs.push(instance);
  }
  const results = await Promise.all(runs);
  let requests = 0;
  let seconds = 0;
  for (const r of results) {
    if (r.errors > 0 || r.timeouts > 0 || r.non2xx > 0 || r.requests.total === 0) {
      throw new Error(
        `POST ${url} over ${paths.length} pools: ${r.requests.total} answered, ${r.non2xx} non-2xx ${JSON.stringify(r.statusCodeStats)}, ${r.errors} errors, ${r.timeouts} timeouts`,
      );
    }
    requests += r.requests.total;
    seconds = Math.max(seconds, r.duration);
  }
  const used = process.cpuUsage(cpu);
  return {
    requests,
    seconds,
    p50: quantile(latencies, 50),
    p99: quantile(latencies, 99),
    max: latencies.max,
    cpu: ((used.user + used.system) / 1e6 / seconds) * 100,
  };
}

async function check({ url, paths, body }) {
  for (const path of paths) {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: HEADERS,
      body,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let seq;
    try {
      seq = JSON.parse(text).message?.seq;
    } catch {
      // not JSON: reported below
    }
    if (res.status !== 200 || typeof seq !== "number")
      throw new Error(`POST ${path}: ${res.status} ${text.slice(0, 300)}`);
  }
  return paths.length;
}

serveParent({ spread, check });

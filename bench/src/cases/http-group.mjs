// Consumer-group cases over HTTP: @spool/http-server in its child process (children/http-server.mjs,
// as the HTTP suite starts it) over a pool pre-filled with N messages, the workers in the bench
// process on keep-alive connections (node's http client, one connection per worker), each
// parsing the JSON answers. Loops: `POST …/groups/{g}/claim` with `{"max":100,"ack":[previous
// batch]}` (one request per batch), and claim then `POST …/groups/{g}/ack` of the batch (two
// requests per batch); with 1 worker and with 4 competing ones. Each round creates a new group
// from seq 1 (`PUT`), consumes everything, checks through `GET` that all was acked and nothing
// is in flight (a wrong count fails the run), then deletes the group. The server's CPU time
// is read around each run, so each result also gives µs of server CPU per message.
import http from "node:http";
import { nowMs } from "../lib/measure.mjs";

let groups = 0;

/** One JSON request; resolves the parsed answer, rejects on a non-2xx status or after `timeoutMs`. */
function request(agent, base, method, path, body, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      `${base}${path}`,
      {
        method,
        agent,
        headers: payload === undefined ? {} : { "content-type": "application/json" },
      },
      (res) => {
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString("utf8");
          if (res.statusCode < 200 || res.statusCode >= 300)
            return reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`));
          try {
            resolve(text ? JSON.parse(text) : undefined);
          } catch (error) {
            reject(new Error(`${method} ${path}: answer is not JSON: ${error.message}`));
          }
        });
        res.on("error", reject);
      },
    );
    const timer = setTimeout(
      () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(payload);
  });
}

const refs = (deliveries) => deliveries.map((d) => ({ seq: d.seq, attempt: d.attempt }));

/**
 * `workers` loops consuming up to `n` messages of group `group` between them; `combined`: ack
 * in the next claim, else a separate ack request. Resolves the messages claimed.
 */
async function consume(env, group, n, workers, combined) {
  const base = `${env.spoolUrl}/v0/pools/${env.pool}/groups/${group}`;
  let left = n;
  let claimed = 0;
  const worker = async (w) => {
    const member = `http-worker-${w}`;
    let previous = [];
    for (;;) {
      const want = Math.min(100, left);
      if (want === 0) break;
      left -= want;
      const body = { max: want, member };
      if (combined) body.ack = refs(previous);
      const { deliveries } = await request(env.agent, base, "POST", "/claim", body);
      left += want - deliveries.length;
      claimed += deliveries.length;
      if (deliveries.length === 0) {
        previous = [];
        break;
      }
      if (combined) previous = deliveries;
      else await request(env.agent, base, "POST", "/ack", { deliveries: refs(deliveries) });
    }
    if (previous.length > 0)
      await request(env.agent, base, "POST", "/ack", { deliveries: refs(previous) });
  };
  await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  return claimed;
}

function cpuSeconds(before, after) {
  return (after.user - before.user + after.system - before.system) / 1e6;
}

/** A case: `workers` concurrent workers, `combined` or claim + ack requests. */
function httpGroupCase(key, env, { workers, combined }) {
  const { cfg, server } = env;
  const run = async (n) => {
    const group = `bench-http-${++groups}`;
    const path = `/v0/pools/${env.pool}/groups/${group}`;
    await request(env.agent, env.spoolUrl, "PUT", path, { since: 1 });
    const before = await server.call("cpu");
    const start = nowMs();
    const claimed = await consume(env, group, n, workers, combined);
    const seconds = (nowMs() - start) / 1000;
    const serverCpu = cpuSeconds(before, await server.call("cpu"));
    const { group: info } = await request(env.agent, env.spoolUrl, "GET", path);
    if (claimed !== n || info.acked !== n || info.in_flight !== 0)
      throw new Error(
        `${key}: claimed ${claimed}, acked ${info.acked}, in flight ${info.in_flight}; expected ${n}, ${n}, 0`,
      );
    await request(env.agent, env.spoolUrl, "DELETE", path);
    return {
      ops: claimed,
      seconds,
      serverCpu: (serverCpu / seconds) * 100,
      serverUsPerMessage: (serverCpu * 1e6) / claimed,
    };
  };
  return { key, setup: () => run(cfg.warm), run: () => run(env.count) };
}

/** `env` = { cfg, server, spoolUrl, pool, count, agent }. */
export function httpGroupCases(env) {
  const n = env.cfg.members;
  return [
    httpGroupCase("http claim(100, ack in claim), 1 worker", env, { workers: 1, combined: true }),
    httpGroupCase("http claim(100) + ack request, 1 worker", env, { workers: 1, combined: false }),
    httpGroupCase(`http claim(100, ack in claim), ${n} workers`, env, {
      workers: n,
      combined: true,
    }),
  ];
}

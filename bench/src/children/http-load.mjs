// Child process: the load generator of the HTTP cases, separate from the server under test.
// `cannon` runs autocannon (fixed connection count, pipelining 1, fixed duration) and returns
// the completed requests, the time taken, latency percentiles at µs resolution (autocannon's own
// histogram rounds to whole ms) and this process's CPU use, failing loudly on any error or
// non-2xx answer. `tail` reads one JSONL tail over one connection with node's http.get,
// counting newlines without parsing; it fails on a short read, a non-200 status or an error
// line. Every request is bounded by a timeout.
import http from "node:http";
import autocannon from "autocannon";
import { newHistogram, quantile, record } from "../lib/histogram.mjs";
import { serveParent } from "../lib/ipc.mjs";
import { nowMs } from "../lib/measure.mjs";

function cpuPercent(before, seconds) {
  const used = process.cpuUsage(before);
  return ((used.user + used.system) / 1e6 / seconds) * 100;
}

async function cannon(options) {
  const latencies = newHistogram();
  const cpu = process.cpuUsage();
  const instance = autocannon({ pipelining: 1, timeout: 10, ...options });
  instance.on("response", (_client, statusCode, _bytes, ms) => {
    if (statusCode < 300) record(latencies, ms);
  });
  const result = await instance;
  const total = result.requests.total;
  if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0 || total === 0) {
    throw new Error(
      `${options.method ?? "GET"} ${options.url}: ${total} answered, ${result.non2xx} non-2xx ${JSON.stringify(result.statusCodeStats)}, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return {
    requests: total,
    seconds: result.duration,
    p50: quantile(latencies, 50),
    p99: quantile(latencies, 99),
    max: latencies.max,
    cpu: cpuPercent(cpu, result.duration),
  };
}

const agent = new http.Agent({ keepAlive: false });

/** One tail request; resolves { lines, bytes, seconds }. */
function tail({ url, expect, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const start = nowMs();
    let lines = 0;
    let bytes = 0;
    let last = Buffer.alloc(0);
    const req = http.get(url, { agent }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`GET ${url}: status ${res.statusCode}`));
      }
      res.on("data", (chunk) => {
        bytes += chunk.length;
        for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines++;
        last = chunk;
      });
      res.on("end", () => {
        clearTimeout(timer);
        const seconds = (nowMs() - start) / 1000;
        const tailText = last.toString("utf8", Math.max(0, last.length - 300));
        const finalLine = tailText.trimEnd().split("\n").pop() ?? "";
        if (finalLine.startsWith('{"error"'))
          return reject(new Error(`GET ${url}: error line ${finalLine}`));
        if (lines !== expect)
          return reject(new Error(`GET ${url}: ${lines} lines, expected ${expect}`));
        resolve({ lines, bytes, seconds });
      });
      res.on("error", reject);
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`GET ${url}: not done within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** `passes` tails one after the other; the figures are summed. */
async function tails(job) {
  const cpu = process.cpuUsage();
  let lines = 0;
  let bytes = 0;
  let seconds = 0;
  for (let pass = 0; pass < job.passes; pass++) {
    const r = await tail(job);
    lines += r.lines;
    bytes += r.bytes;
    seconds += r.seconds;
  }
  return { lines, bytes, seconds, cpu: cpuPercent(cpu, seconds) };
}

serveParent({ cannon, tails });

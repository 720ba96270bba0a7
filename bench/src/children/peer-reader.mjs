// Child process: the catch-up reader of the peers suite, the same for every HTTP store so the
// read rows compare the servers and not two clients. `read` GETs one URL with node's http.get
// (a connection of its own, no Accept-Encoding, so no server compresses), times from the request
// to the last byte of the body, and only then, untimed, checks what arrived: `jsonl` (Spool's
// tail: one envelope per line, no error line) counts newlines, `json-array` (a Durable Streams
// catch-up read in JSON mode: one array) parses the body and takes its length. A count other
// than `expect`, a non-200 status or an error fails the call. Every request is bounded by a
// timeout.
import http from "node:http";
import { serveParent } from "../lib/ipc.mjs";
import { nowMs } from "../lib/measure.mjs";

const agent = new http.Agent({ keepAlive: false });

/** Counts the messages in the received body; throws when it is not what `format` says. */
function countMessages(chunks, format, url) {
  if (format === "json-array") {
    const value = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    if (!Array.isArray(value)) throw new Error(`GET ${url}: the body is not a JSON array`);
    return value.length;
  }
  let lines = 0;
  for (const chunk of chunks)
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines++;
  const last = chunks.at(-1) ?? Buffer.alloc(0);
  const tail = last.toString("utf8", Math.max(0, last.length - 300)).trimEnd();
  const finalLine = tail.split("\n").pop() ?? "";
  if (finalLine.startsWith('{"error"')) throw new Error(`GET ${url}: error line ${finalLine}`);
  return lines;
}

/** One catch-up read; resolves { messages, bytes, seconds, cpu (% of a core while reading) }. */
function read({ url, expect, format, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const cpu = process.cpuUsage();
    const start = nowMs();
    const chunks = [];
    let bytes = 0;
    const req = http.get(url, { agent }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        clearTimeout(timer);
        return reject(new Error(`GET ${url}: status ${res.statusCode}`));
      }
      res.on("data", (chunk) => {
        bytes += chunk.length;
        chunks.push(chunk);
      });
      res.on("end", () => {
        clearTimeout(timer);
        const seconds = (nowMs() - start) / 1000;
        const used = process.cpuUsage(cpu);
        try {
          const messages = countMessages(chunks, format, url);
          if (messages !== expect)
            throw new Error(`GET ${url}: ${messages} messages, expected ${expect}`);
          resolve({
            messages,
            bytes,
            seconds,
            cpu: ((used.user + used.system) / 1e6 / seconds) * 100,
          });
        } catch (error) {
          reject(error);
        }
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

serveParent({ read });

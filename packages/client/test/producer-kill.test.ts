/**
 * Exactly-once under crashes: 200 rounds of `kill -9` against a producer process (a node child
 * using the SDK over HTTP, through a proxy that also loses some answers after the server
 * committed, so the child retries), each round restarted with the same producer id. The child
 * asks the server where its producer is, continues there (message k is producer seq k, data
 * `{lane, k}`), keeps several appends in flight through `pool.producer(id)` and reports every
 * acknowledgement. The rounds run in 4 lanes at once (4 producer ids into the same pool, 50
 * rounds each), to stay well within the time bound on a busy machine. Afterwards every message
 * of each producer is in the pool exactly once and in its producer order, every acknowledged
 * message is where its acknowledgement said, and verify is clean.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { verifyPool } from "@spool/core";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../src/index.js";
import { type DropProxy, dropProxy } from "./helpers/drop-proxy.js";
import { startServer, type TestServer } from "./helpers/server.js";

const ROUNDS = Number(process.env.SPOOL_KILL_ROUNDS ?? 200);
const LANES = 4;
const here = dirname(fileURLToPath(import.meta.url));

/** The producer process: argv = base URL, lane, the k to stop after. Prints `ack K SEQ DUP` lines. */
const CHILD = `
import { createClient } from "@spool/client";
const [url, laneText, stopAfter] = process.argv.slice(2);
const lane = Number(laneText);
// Started ahead of its round: wait for "go" on stdin (the previous incarnation is dead by then).
process.stdout.write("ready\\n");
await new Promise((resolve) => process.stdin.once("data", resolve));
const pool = createClient({ baseUrl: url }).pool("k");
const state = await pool.producerState("crashy-" + lane);
let k = (state?.lastSeq ?? 0) + 1;
const producer = pool.producer("crashy-" + lane, { backoff: { initialMs: 2, maxMs: 20 } });
const inFlight = new Set();
while (k <= Number(stopAfter)) {
  const mine = k++;
  const p = producer.append({ lane, k: mine }).then((m) => {
    inFlight.delete(p);
    process.stdout.write("ack " + mine + " " + m.seq + " " + (m.duplicate === true) + "\\n");
  });
  inFlight.add(p);
  if (inFlight.size >= 16) await Promise.race(inFlight);
}
await Promise.all(inFlight);
process.stdout.write("done\\n");
`;

let server: TestServer;
let proxy: DropProxy;
let work: string;
let script: string;
const children = new Set<ChildProcess>();
const debug = (text: string): void => {
  if (process.env.SPOOL_KILL_DEBUG) console.log(text);
};

beforeAll(async () => {
  server = await startServer();
  proxy = await dropProxy(server.port);
  await createClient({ baseUrl: server.url }).createPool("k", { size: "4M" });
  work = mkdtempSync(join(tmpdir(), "spool-kill-"));
  // The child runs the SDK from source, bundled as one file (no build of dist needed).
  const bundled = await build({
    stdin: { contents: CHILD, resolveDir: here, sourcefile: "child.mjs", loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "node",
    target: "node20",
    write: false,
    logLevel: "silent",
    conditions: ["@spool/source"],
    alias: { "@spool/client": join(here, "..", "src", "index.ts") },
  });
  script = join(work, "producer.mjs");
  writeFileSync(script, bundled.outputFiles[0]?.text ?? "");
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await proxy?.close();
  await server?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Run {
  acks: { k: number; seq: number }[];
  done: boolean;
  exit: Promise<void>;
  /** Resolves at the first acknowledgement (or the exit). */
  firstAck: Promise<void>;
  /** Resolves once the child is loaded and waits for "go" (or exited). */
  ready: Promise<void>;
  /** Lets the child start producing. */
  go(): void;
  child: ChildProcess;
}

function runChild(lane: number, stopAfter: number): Run {
  const child = spawn(process.execPath, [script, proxy.url, String(lane), String(stopAfter)], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.add(child);
  const run: Partial<Run> = { acks: [], done: false, child };
  let stderr = "";
  let buffered = "";
  let first: () => void = () => {};
  let ready: () => void = () => {};
  run.firstAck = new Promise((resolve) => {
    first = resolve;
  });
  run.ready = new Promise((resolve) => {
    ready = resolve;
  });
  run.go = () => {
    child.stdin?.end("go\n");
  };
  child.stdin?.on("error", () => {});
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    buffered += d;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      if (line === "done") run.done = true;
      if (line === "ready") ready();
      const m = /^ack (\d+) (\d+|null) (true|false)$/.exec(line);
      if (m) {
        run.acks?.push({ k: Number(m[1]), seq: Number(m[2]) });
        first();
      }
    }
  });
  run.exit = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      children.delete(child);
      first();
      ready();
      if (code !== 0 && signal !== "SIGKILL") {
        console.error(`producer exited ${code}: ${stderr}`);
      }
      if (stderr !== "") {
        debug(`stderr: ${stderr}`);
      }
      resolve();
    });
  });
  return run as Run;
}

describe("a producer killed with SIGKILL and restarted with the same id", () => {
  it(`${ROUNDS} rounds: every message exactly once, in producer order; verify is clean`, async () => {
    const started = Date.now();
    proxy.dropRandomly(0.1);
    const pool = createClient({ baseUrl: server.url }).pool("k");
    // Per lane: producer seq k → the pool seq its acknowledgement named.
    const acked = Array.from({ length: LANES }, () => new Map<number, number>());
    let killedMidFlight = 0;
    const lane = async (l: number, rounds: number): Promise<void> => {
      let next = runChild(l, 1e9);
      for (let round = 0; round < rounds; round++) {
        const run = next;
        // The next incarnation loads while this one runs; it starts only after this one died.
        if (round + 1 < rounds) next = runChild(l, 1e9);
        await run.ready;
        run.go();
        await Promise.race([run.firstAck, new Promise((r) => setTimeout(r, 5000))]);
        await new Promise((r) => setTimeout(r, Math.random() * 8));
        run.child.kill("SIGKILL");
        await run.exit;
        debug(`lane ${l} round ${round}: ${run.acks.length} acks`);
        if (run.acks.length > 0) killedMidFlight++;
        for (const { k, seq } of run.acks) acked[l]?.set(k, seq);
      }
    };
    await Promise.all(
      Array.from({ length: LANES }, (_, l) =>
        lane(l, Math.floor(ROUNDS / LANES) + (l < ROUNDS % LANES ? 1 : 0)),
      ),
    );
    // A last run per lane, not killed, appends 20 more and finishes.
    proxy.dropRandomly(0);
    const totals = await Promise.all(
      Array.from({ length: LANES }, async (_, l) => {
        const before = (await pool.producerState(`crashy-${l}`))?.lastSeq ?? 0;
        const last = runChild(l, before + 20);
        await last.ready;
        last.go();
        await last.exit;
        expect(last.done).toBe(true);
        for (const { k, seq } of last.acks) acked[l]?.set(k, seq);
        const total = (await pool.producerState(`crashy-${l}`))?.lastSeq ?? 0;
        expect(total).toBe(before + 20);
        return total;
      }),
    );

    const perLane = Array.from({ length: LANES }, () => [] as { k: number; seq: number }[]);
    let count = 0;
    for await (const m of pool.tail({ since: 1, follow: false })) {
      const { lane: l, k } = m.data as { lane: number; k: number };
      perLane[l]?.push({ k, seq: m.seq });
      count++;
    }
    for (let l = 0; l < LANES; l++) {
      const got = perLane[l] ?? [];
      // Exactly once and in producer order: producer seq k is the lane's k-th message.
      expect(got.map((m) => m.k)).toEqual(Array.from({ length: totals[l] ?? 0 }, (_, i) => i + 1));
      for (const [k, seq] of acked[l] ?? []) {
        if (!Number.isNaN(seq)) expect(got[k - 1]?.seq, `lane ${l} k=${k}`).toBe(seq);
      }
    }
    const acknowledged = acked.reduce((n, m) => n + m.size, 0);
    expect(acknowledged).toBeGreaterThan(ROUNDS);
    expect(killedMidFlight).toBeGreaterThan(ROUNDS / 2);
    expect(proxy.dropped()).toBeGreaterThan(0);
    await server.stop();
    const report = verifyPool(join(server.dir, "k.spool"));
    expect(report.issues).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.messages).toBe(count);
    console.log(
      `${ROUNDS} kill -9 rounds: ${count} messages, ${acknowledged} acknowledged, ${proxy.dropped()} answers dropped, ${Date.now() - started} ms`,
    );
  }, 85_000);
});

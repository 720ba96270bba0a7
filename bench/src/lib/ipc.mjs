// Request/response over a forked child's IPC channel, for the benchmark's long-lived children
// (the HTTP server under test, the load generators). The child announces itself with
// `{ ready: info }`; the parent then calls operations by name and gets their values back.
// Invariants: every call and the ready handshake have a timeout; a child that exits fails every
// pending call at once; `stop()` asks for a clean exit (so `--cpu-prof` profiles get written),
// SIGKILLs after a grace period, and is safe to call twice; a child never outlives the parent
// (it exits when the IPC channel closes).
import { execFileSync, fork } from "node:child_process";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Pins every thread of `pid` to CPU `cpu` with taskset (Linux); warns and goes on without it. */
function pin(pid, cpu, name) {
  try {
    execFileSync("taskset", ["-a", "-p", "-c", String(cpu), String(pid)], {
      stdio: "ignore",
      timeout: 5000,
    });
  } catch (error) {
    process.stderr.write(`could not pin ${name} to CPU ${cpu}: ${error.message}\n`);
  }
}

/** forkChild options pinning the server under test to CPU 0 when `cfg.pin` (BENCH_PIN=1). */
export const serverCpu = (cfg) => (cfg.pin ? { cpu: 0 } : {});
/** forkChild options pinning a load process (load generator, followers, writer) to CPU 1. */
export const loadCpu = (cfg) => (cfg.pin ? { cpu: 1 } : {});

/**
 * Forks `path` and waits for its ready message (`options.cpu` pins it to one CPU). Returns
 * { child, info, call(op, ...args), callWithin(ms, op, ...args), stop(graceMs?) }. Rejects (after killing the child) if it is not
 * ready within `readyMs`.
 */
export async function forkChild(path, args = [], options = {}) {
  const { execArgv = [], readyMs = 30_000, callMs = 120_000, name = path, cpu } = options;
  const child = fork(path, args, { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv });
  if (cpu !== undefined) pin(child.pid, cpu, name);
  const pending = new Map();
  let nextId = 1;
  let exitInfo;
  let onReady;
  const ready = new Promise((resolve, reject) => {
    onReady = { resolve, reject };
  });
  const exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      exitInfo = signal ?? code;
      const error = new Error(`${name} exited (${exitInfo})`);
      onReady.reject(error);
      for (const p of pending.values()) p.reject(error);
      pending.clear();
      resolve();
    });
  });
  child.on("error", (error) => onReady.reject(error));
  child.on("message", (msg) => {
    if (msg && typeof msg === "object" && "ready" in msg) return onReady.resolve(msg.ready);
    const p = msg && typeof msg === "object" ? pending.get(msg.id) : undefined;
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(new Error(`${name} ${p.op}: ${msg.error}`));
  });

  const stop = async (graceMs = 5000) => {
    if (exitInfo === undefined) {
      try {
        child.send({ op: "exit" });
      } catch {
        // the channel is already gone
      }
      await Promise.race([exited, sleep(graceMs)]);
      if (exitInfo === undefined) child.kill("SIGKILL");
      await Promise.race([exited, sleep(graceMs)]);
    }
  };

  const callWithin = (ms, op, ...args) =>
    new Promise((resolve, reject) => {
      if (exitInfo !== undefined) return reject(new Error(`${name} exited (${exitInfo})`));
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${name} ${op}: no answer within ${ms} ms`));
      }, ms);
      const done = (fn) => (value) => {
        clearTimeout(timer);
        fn(value);
      };
      pending.set(id, { op, resolve: done(resolve), reject: done(reject) });
      child.send({ id, op, args });
    });

  let timer;
  try {
    const info = await Promise.race([
      ready,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${name} was not ready within ${readyMs} ms`)),
          readyMs,
        );
      }),
    ]);
    return {
      child,
      info,
      call: (op, ...args) => callWithin(callMs, op, ...args),
      callWithin,
      stop,
    };
  } catch (error) {
    await stop(1000);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * In a child: answers the parent's calls with `handlers[op](...args)` (sync or async) and sends
 * `{ ready: info }`. The `exit` op runs `handlers.exit` (bounded by 3 s) and exits with 0.
 */
export function serveParent(handlers, info = true) {
  process.on("message", async (msg) => {
    if (!msg || typeof msg !== "object") return;
    if (msg.op === "exit") {
      await Promise.race([handlers.exit?.(), sleep(3000)]);
      process.exit(0);
    }
    const handler = handlers[msg.op];
    try {
      if (!handler) throw new Error(`unknown operation ${msg.op}`);
      const value = await handler(...(msg.args ?? []));
      process.send({ id: msg.id, ok: true, value });
    } catch (error) {
      process.send({ id: msg.id, ok: false, error: String(error?.stack ?? error) });
    }
  });
  process.once("disconnect", () => process.exit(0));
  process.send({ ready: info });
}

// Multi-writer case: N child processes append to one pool at once (started together after each
// warmed up); the figure is total messages / (last end - first start). Run with 1 and with 4
// children so the ratio compares like with like (same process setup, same pool).
import { fork } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createFullPool } from "../lib/spool.mjs";
import { freshDir, removeDir } from "../lib/tmp.mjs";

const WRITER = fileURLToPath(new URL("../children/writer.mjs", import.meta.url));

/** Forks `n` writers on `poolPath`, each appending `perChild`; resolves { ops, seconds }. */
function runWriters(poolPath, n, perChild, cfg) {
  return new Promise((resolve, reject) => {
    const children = [];
    const results = [];
    let ready = 0;
    let failed = false;
    const fail = (error) => {
      if (failed) return;
      failed = true;
      clearTimeout(timer);
      for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new Error(`writers did not finish within ${cfg.childTimeoutMs} ms`)),
      cfg.childTimeoutMs,
    );
    for (let c = 0; c < n; c++) {
      const child = fork(
        WRITER,
        [poolPath, String(perChild), String(cfg.warm), String(cfg.maxMs), String(100 + c)],
        { stdio: ["ignore", "inherit", "inherit", "ipc"] },
      );
      children.push(child);
      child.on("error", fail);
      child.on("exit", (code) => {
        if (code !== 0 && !failed) fail(new Error(`writer ${c} exited with ${code}`));
      });
      child.on("message", (msg) => {
        if (msg === "ready") {
          if (++ready === n) for (const ch of children) ch.send("go");
          return;
        }
        results.push(msg);
        if (results.length === n) {
          clearTimeout(timer);
          const start = Math.min(...results.map((r) => r.start));
          const end = Math.max(...results.map((r) => r.end));
          const ops = results.reduce((sum, r) => sum + r.calls, 0);
          Promise.all(
            children.map((ch) =>
              ch.exitCode === null ? new Promise((res) => ch.once("exit", res)) : null,
            ),
          ).then(() => resolve({ ops, seconds: (end - start) / 1000 }));
        }
      });
    }
  });
}

export function writerCases(cfg, texts) {
  let dir;
  let path;
  const writers = (n) => ({
    key: `spool ${n} writer process${n > 1 ? "es" : ""}`,
    run: () => runWriters(path, n, Math.ceil(cfg.appendCount / n), cfg),
  });
  const one = writers(1);
  return [
    {
      ...one,
      setup: () => {
        dir = freshDir("writers");
        path = join(dir, "shared.spool");
        createFullPool(path, cfg.poolSize, texts).close();
      },
      close: () => removeDir(dir),
    },
    writers(4),
  ];
}

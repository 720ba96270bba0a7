// Child process: appends to a pool through @spool/core at a steady rate, each message carrying
// its send time (`sentAt`, wall-clock ms taken right before its append) and its number. Timer
// ticks are ~1 ms apart at best, so each tick appends every message that is due by then (rate ×
// elapsed time), which holds the average rate with bursts of a few messages. Bounded by count:
// `run` returns after `total` messages with how long they took.
// Args: poolPath.
import { Pool } from "@spool/core";
import { serveParent } from "../lib/ipc.mjs";
import { nowMs, wallMs } from "../lib/measure.mjs";

const [poolPath] = process.argv.slice(2);
const pool = Pool.open(poolPath);

function run({ rate, total }) {
  return new Promise((resolve, reject) => {
    const start = nowMs();
    let sent = 0;
    const tick = () => {
      try {
        const due = Math.min(total, Math.floor(((nowMs() - start) / 1000) * rate) + 1);
        while (sent < due) {
          pool.appendJson(`{"sentAt":${wallMs()},"n":${sent}}`, { trusted: true });
          sent++;
        }
        if (sent < total) setTimeout(tick, 1);
        else resolve({ sent, seconds: (nowMs() - start) / 1000 });
      } catch (error) {
        reject(error);
      }
    };
    tick();
  });
}

serveParent({ run, exit: () => pool.close() });

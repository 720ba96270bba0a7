// Durable-cursor cases, in process: a tail with `{ cursor }` over a pool pre-filled with N
// messages, acking each message (`cursor.ack(seq)`, one ledger commit per message), every 100th
// (and the last), or by `autoAck` (the tail acks each message when the next is asked for),
// against the same tail without a cursor. Every tail follows (`max: N`, follow on) from seq 1;
// messages are not decoded. Each round runs `cfg.cursorPasses` such tails one after the other
// (a pass of the fast cases takes ~0.1 s), each with a new cursor, deleted after it (untimed),
// and checks that the cursor committed what was acked (a wrong figure fails the run).
import { nowMs } from "../lib/measure.mjs";

let rounds = 0;

/**
 * A case over `fx.pool` (N = `fx.count` messages): `ackEvery` 0 = no cursor, 1 = ack each,
 * 100 = every 100th; `autoAck` = the tail acks. `warm` messages are consumed untimed in setup;
 * each round runs `passes` tails of N.
 */
function cursorCase(key, fx, { ackEvery = 0, autoAck = false, warm, passes }) {
  const consume = async (count) => {
    const name = `bench-cursor-${++rounds}`;
    const withCursor = ackEvery > 0 || autoAck;
    const cursor = withCursor ? fx.pool.cursor(name) : undefined;
    const options = withCursor
      ? { cursor: name, since: 1, max: count, ...(autoAck ? { autoAck: true } : {}) }
      : { since: 1, max: count };
    let n = 0;
    let last = 0;
    const start = nowMs();
    for await (const msg of fx.pool.tail(options)) {
      n++;
      last = msg.seq;
      if (ackEvery > 0 && n % ackEvery === 0) cursor.ack(last);
    }
    if (ackEvery > 1 && n % ackEvery !== 0) cursor.ack(last);
    const seconds = (nowMs() - start) / 1000;
    if (n !== count || last !== count)
      throw new Error(`${key}: read ${n} messages up to seq ${last}, expected ${count}`);
    if (cursor) {
      const { committed } = cursor.info();
      // autoAck acks the last message too, when the tail ends at max.
      if (committed !== count)
        throw new Error(`${key}: cursor committed ${committed}, expected ${count}`);
      cursor.delete();
    }
    return { ops: n, seconds };
  };
  return {
    key,
    setup: () => consume(warm),
    run: async () => {
      let ops = 0;
      let seconds = 0;
      for (let pass = 0; pass < passes; pass++) {
        const r = await consume(fx.count);
        ops += r.ops;
        seconds += r.seconds;
      }
      return { ops, seconds };
    },
  };
}

export function cursorCases(cfg, fx) {
  const common = { warm: cfg.warm, passes: cfg.cursorPasses };
  return [
    cursorCase("plain tail (no cursor)", fx, common),
    cursorCase("cursor, ack each", fx, { ...common, ackEvery: 1 }),
    cursorCase("cursor, ack every 100", fx, { ...common, ackEvery: 100 }),
    cursorCase("cursor, autoAck", fx, { ...common, autoAck: true }),
  ];
}

// The scale suite (issue 16, "how cost grows"): four curves, each point compared with the
// first (smallest) one. Pool size 1 MiB → 4 GiB (appends, random gets, replays; flat within
// 10 % is the goal); pools open in one HTTP server 1 → 1,000 (single appends spread over them:
// throughput and latency); followers of one pool 1 → 1,000 at a fixed total append rate (every
// message to every follower, delivery delay); message size 100 B → 1 MiB (append throughput in
// MB/s against the write floor). Returns the report rows, the notes (what was filled, what was
// skipped, the load average around each curve) and `curves`: per curve, the series for a chart
// and a table of its figures. Nothing is asserted on a timing; a follower that misses a message
// makes its row FAIL.
import { loadavg } from "node:os";
import { followersPoint } from "../cases/scale-followers.mjs";
import { messageSizeCases } from "../cases/scale-message-size.mjs";
import {
  closePools,
  GiB,
  planSizes,
  poolSizeCases,
  preparePools,
} from "../cases/scale-pool-size.mjs";
import { poolsCases, poolsFixture } from "../cases/scale-pools.mjs";
import { formatCount, formatMs, median, runRounds } from "../lib/measure.mjs";
import { buildRow, rate } from "../lib/report.mjs";

const MiB = 1024 ** 2;
const POOL_SIZES = [
  { label: "1 MiB", size: "1M", bytes: MiB },
  { label: "16 MiB", size: "16M", bytes: 16 * MiB },
  { label: "256 MiB", size: "256M", bytes: 256 * MiB },
  { label: "1 GiB", size: "1G", bytes: GiB },
  { label: "4 GiB", size: "4G", bytes: 4 * GiB },
];
/**
 * Core's default index has min(1M, file size / 512) slots: past 1 GiB a pool of ~1 KB messages
 * holds more messages than slots. The same 4 GiB pool with an index of its own size shows what
 * `indexCapacity` (CLI: `pool create --index-capacity`) buys.
 */
const INDEX_VARIANT = {
  label: "4 GiB, index of 4M slots",
  size: "4G",
  bytes: 4 * GiB,
  indexCapacity: 4 * 1024 * 1024,
};
/** The smoke run's variant: the 256 MiB pool with twice its default index. */
const QUICK_INDEX_VARIANT = {
  label: "256 MiB, index of 1M slots",
  size: "256M",
  bytes: 256 * MiB,
  indexCapacity: 1024 * 1024,
};
const MESSAGE_SIZES = [
  { label: "100 B", bytes: 100 },
  { label: "1 KiB", bytes: 1024 },
  { label: "10 KiB", bytes: 10 * 1024 },
  { label: "100 KiB", bytes: 100 * 1024 },
  { label: "1 MiB", bytes: MiB },
];

export function scaleConfig(quick) {
  const n = (count) => Math.max(100, Math.round(count * (quick ? 0.1 : 1)));
  return {
    rounds: quick ? 1 : 3,
    warm: quick ? 200 : 2000,
    maxMs: 5000,
    /** Gets past the index walk frame headers (~100 get/s at 4 GiB): a shorter deadline. */
    getMaxMs: 1500,
    poolSizes: quick
      ? [...POOL_SIZES.slice(0, 3), QUICK_INDEX_VARIANT]
      : [...POOL_SIZES, INDEX_VARIANT],
    /** Messages filled at most before timing: a pool that holds more is measured on a window. */
    fillCap: n(1_100_000),
    appendCount: n(60_000),
    getCount: n(100_000),
    replayCount: n(200_000),
    poolCounts: quick ? [1, 10, 100] : [1, 10, 100, 1000],
    poolsPoolSize: "1M",
    connections: 16,
    seconds: quick ? 1 : 2,
    warmSeconds: quick ? 0 : 1,
    followerCounts: quick ? [1, 10, 100] : [1, 10, 100, 1000],
    followerProcesses: 2,
    followKinds: ["tail", "jsonl"],
    followRate: 2000,
    /** Messages per point: this many seconds at followRate, fewer where the deliveries (messages × followers) would pass followMaxDeliveries. */
    followSeconds: quick ? 0.5 : 2,
    followMaxDeliveries: quick ? 100_000 : 1_000_000,
    /** The first seqs of a point (this share of them) are checked but their delays not counted. */
    followWarmShare: 0.1,
    followIdleMs: 5000,
    followDrainMs: 60_000,
    followPoolSize: "16M",
    messageSizes: MESSAGE_SIZES,
    sizePoolSize: "64M",
    sizePoolBytes: 64 * MiB,
    sizeBytesPerRun: (quick ? 16 : 64) * MiB,
    sizeMinCount: quick ? 20 : 100,
    sizeMaxCount: n(100_000),
    sizeMaxMs: quick ? 300 : 1000,
    /** BENCH_PIN=1: servers on CPU 0, load processes on CPU 1 (taskset). */
    pin: process.env.BENCH_PIN === "1",
  };
}

const gib = (bytes) => `${(bytes / GiB).toFixed(1)} GiB`;
const times = (value, base) => `${(value / base).toFixed(2)}×`;
const load1 = () => loadavg()[0].toFixed(2);
/** A count as text: 1, 10, 1,000. */
const int = (n) => n.toLocaleString("en-US");

/** Runs `body` and returns its value with the 1-min load average before and after. */
async function withLoad(body) {
  const before = load1();
  const value = await body();
  return { value, load: `${before} → ${load1()}` };
}

async function poolSizeCurve(cfg, events, texts, log) {
  const plan = planSizes(cfg.poolSizes);
  log(
    `scale: pool sizes (${gib(plan.free)} free; ${plan.fit.map((s) => s.label).join(", ")}${plan.skipped.length ? `; skipped: ${plan.skipped.map((s) => s.label).join(", ")}` : ""}):`,
  );
  if (plan.fit.length === 0) return { plan, fixtures: [], results: new Map() };
  const fixtures = preparePools(cfg, plan.fit, texts, log);
  try {
    const results = await runRounds(poolSizeCases(cfg, fixtures, events), cfg.rounds, log);
    return { plan, fixtures, results };
  } finally {
    closePools(fixtures);
  }
}

function poolSizeReport(cfg, { plan, fixtures, results }, load) {
  const rows = [];
  const notes = [];
  const kinds = [
    { kind: "append", name: "append (pool.append, 1 KB event)", unit: "msg/s" },
    { kind: "get", name: "get by random seq", unit: "get/s" },
    { kind: "replay", name: "replay (tailJsonl)", unit: "msg/s" },
  ];
  const sizes = fixtures.filter((fx) => fx.indexCapacity === undefined);
  const variants = fixtures.filter((fx) => fx.indexCapacity !== undefined);
  const first = sizes[0] ?? fixtures[0];
  const r = (kind, fx) => results.get(`${kind} ${fx.label}`).rate;
  const beyond = (fx) =>
    median(results.get(`get ${fx.label}`).details.map((d) => d.beyondIndex * 100));
  for (const k of kinds)
    for (const fx of [...sizes, ...variants]) {
      const row = {
        name: `${k.name}, ${fx.label} pool`,
        spool: r(k.kind, fx),
        spoolText: rate(r(k.kind, fx), k.unit),
      };
      if (fx !== first)
        Object.assign(row, {
          baselineName: `the same, ${first.label} pool`,
          baseline: r(k.kind, first),
          baselineText: rate(r(k.kind, first), k.unit),
          target: { kind: "ratioAtLeast", value: 0.9 },
        });
      rows.push(row);
    }
  const held = (fx) =>
    fx.wrapped
      ? `${formatCount(fx.info.messageCount)} (wrapped)`
      : `${formatCount(fx.info.messageCount)} (window: ${((fx.info.bytesUsed / fx.info.ringSize) * 100).toFixed(0)}% of the ring)`;
  const windows = fixtures.filter((fx) => !fx.wrapped);
  const gapped = fixtures.filter((fx) => beyond(fx) > 0);
  notes.push(
    `- scale, pool size: one pool per size (${fixtures.map((fx) => fx.label).join(", ")}), made by core's Pool.create (which writes and syncs every byte of the file), filled with the ~1 KB events in batches of 100 until the ring wrapped or ${formatCount(cfg.fillCap)} messages were in, then synced; ${windows.length ? `${windows.map((fx) => fx.label).join(", ")} held a window (${windows.map((fx) => held(fx)).join("; ")}), so their appends do not evict while the smaller pools' do` : "every pool wrapped, so every timed append evicts"}; per round ${formatCount(cfg.appendCount)} appends, ${formatCount(cfg.getCount)} gets of random seqs among the messages held (at most ${cfg.getMaxMs} ms), replays of the newest min(held, ${formatCount(cfg.replayCount)}) messages until ${formatCount(cfg.replayCount)} lines were read; ${cfg.rounds} interleaved round(s) over the sizes, median shown; 1-min load ${load}`,
  );
  // Messages a full ring would hold, at the fill's bytes per message.
  const fullCount = (fx) => fx.info.ringSize / (fx.info.bytesUsed / fx.info.messageCount);
  const fullBeyond = (fx) => Math.max(0, 1 - fx.info.indexCapacity / fullCount(fx)) * 100;
  if (gapped.length)
    notes.push(
      `- scale, pool size: core's default index has min(1M, file size / 512) slots, one per message: ${gapped.map((fx) => `${fx.label} held ${formatCount(fx.info.messageCount)}+ messages for ${formatCount(fx.info.indexCapacity)} slots, so ${beyond(fx).toFixed(0)}% of its random gets asked for a seq past the index, found by walking frame headers from the oldest message (full, ~${formatCount(fullCount(fx))} of these events, it would be ${fullBeyond(fx).toFixed(0)}% of them)`).join("; ")}`,
    );
  if (plan.skipped.length)
    notes.push(
      `- scale, pool size: SKIPPED ${plan.skipped.map((s) => s.label).join(", ")}: ${gib(plan.free)} free on the temp directory's file system (statfs, as df shows it), and every pool of the curve is held at once with 2 GiB to spare`,
    );
  const base = (kind) => r(kind, first);
  const seriesName = { append: "append", get: "get by random seq", replay: "replay" };
  const curve = {
    id: "pool-size",
    title: "Pool size: throughput ÷ the smallest pool's",
    xLabel: "pool size (log scale)",
    yLabel: `× the ${first?.label ?? ""} pool`,
    logX: true,
    band: [0.9, 1.1],
    x: sizes.map((fx) => fx.bytes),
    xText: sizes.map((fx) => fx.label),
    series: [
      ...kinds.map((k) => ({
        name: seriesName[k.kind],
        y: sizes.map((fx) => r(k.kind, fx) / base(k.kind)),
      })),
      ...variants.map((v) => ({
        name: `get, ${v.label}`,
        y: sizes.map((fx) => (fx.bytes === v.bytes ? r("get", v) / base("get") : undefined)),
      })),
    ],
    table: {
      header: [
        "pool size",
        "messages held",
        "index slots",
        "gets past the index",
        "create + fill",
        "append",
        "get by random seq",
        "replay (tailJsonl)",
      ],
      rows: [...sizes, ...variants].map((fx) => [
        fx.label,
        held(fx),
        formatCount(fx.info.indexCapacity),
        `${beyond(fx).toFixed(0)}%`,
        `${fx.createSeconds.toFixed(1)} s + ${fx.fillSeconds.toFixed(1)} s`,
        `${rate(r("append", fx))} (${times(r("append", fx), base("append"))})`,
        `${rate(r("get", fx), "get/s")} (${times(r("get", fx), base("get"))})`,
        `${rate(r("replay", fx))} (${times(r("replay", fx), base("replay"))})`,
      ]),
    },
    note: "In brackets: the ratio to the smallest pool's figure (flat within 10 % is the goal: 0.90-1.10×). Gets past the index: the share of the random seqs older than the newest index-capacity messages (median over the rounds; the share grows as appends add messages).",
  };
  return { rows, notes, curve };
}

async function poolsCurve(cfg, texts, log) {
  log(
    `scale: pools open in one server (${cfg.poolCounts.join(", ")}), ${cfg.connections} connections:`,
  );
  const fx = poolsFixture(cfg, texts, log);
  try {
    await fx.setup();
    const results = await runRounds(poolsCases(cfg, fx), cfg.rounds, log);
    return { results, held: fx.held };
  } finally {
    await fx.close();
  }
}

function poolsReport(cfg, { results, held }, load) {
  const med = (key, field) => median(results.get(key).details.map((d) => d[field]));
  const counts = cfg.poolCounts;
  const key = (count) => `${count} pools`;
  const base = results.get(key(counts[0])).rate;
  const rows = counts.map((count) => {
    const k = key(count);
    const row = {
      name: `HTTP append over ${int(count)} open pool${count === 1 ? "" : "s"}, ${cfg.connections} connections`,
      spool: results.get(k).rate,
      spoolText: `${rate(results.get(k).rate, "req/s")} (p50 ${formatMs(med(k, "p50"))}, p99 ${formatMs(med(k, "p99"))})`,
    };
    if (count !== counts[0])
      Object.assign(row, {
        baselineName: `the same over ${counts[0]} pool`,
        baseline: base,
        baselineText: rate(base, "req/s"),
        target: { kind: "ratioAtLeast", value: 0.9 },
      });
    return row;
  });
  const notes = [
    `- scale, pools open in one server: ${Math.max(...counts)} pools of ${cfg.poolsPoolSize} (copies of one filled until it wrapped: ${held} messages each, so every append evicts); one server child per count (createApp with maxOpenPools = the count, so no pool is closed and reopened), all running at once; before timing each pool got one checked append and the server had to hold exactly the count open (checked again after every run); load: ${cfg.connections} keep-alive connections, each its own autocannon instance cycling through the count's pools in a shuffled order from its own starting point, POST …/append of the ~1 KB event, ${cfg.seconds} s per run after ${cfg.warmSeconds} s of warm-up; ${cfg.pin ? "servers pinned to CPU 0, load to CPU 1" : "not pinned"}; ${cfg.rounds} interleaved round(s), median shown; 1-min load ${load}`,
  ];
  const curve = {
    id: "pools",
    title: "Pools open in one HTTP server: append latency",
    xLabel: "open pools (log scale)",
    yLabel: "latency per append (ms)",
    logX: true,
    x: counts,
    xText: counts.map((c) => int(c)),
    series: [
      { name: "p50", y: counts.map((c) => med(key(c), "p50")) },
      { name: "p99", y: counts.map((c) => med(key(c), "p99")) },
    ],
    table: {
      header: [
        "open pools",
        "appends/s",
        "p50",
        "p99",
        "server CPU per append",
        "server CPU",
        "load generator CPU",
      ],
      rows: counts.map((c) => {
        const k = key(c);
        return [
          int(c),
          `${rate(results.get(k).rate, "req/s")} (${times(results.get(k).rate, base)})`,
          formatMs(med(k, "p50")),
          formatMs(med(k, "p99")),
          `${med(k, "serverUsPerRequest").toFixed(1)} µs`,
          `${med(k, "serverCpu").toFixed(0)}%`,
          `${med(k, "clientCpu").toFixed(0)}%`,
        ];
      }),
    },
    note: `Closed loop: ${cfg.connections} connections each with one request in flight, so the latency is mostly the wait behind the other connections (≈ connections ÷ throughput); flat latency and flat server CPU per append are the goal.`,
  };
  return { rows, notes, curve };
}

const KIND_NAMES = { tail: "pool.tail()", jsonl: "tailJsonl (shared chunks)" };

/** Messages of one followers point: `followSeconds` at the rate, within the deliveries budget. */
function followTotal(cfg, count) {
  const full = Math.round(cfg.followRate * cfg.followSeconds);
  return Math.max(100, Math.min(full, Math.floor(cfg.followMaxDeliveries / count)));
}

async function followersCurve(cfg, log) {
  log(
    `scale: followers (${cfg.followerCounts.join(", ")}; ${cfg.followKinds.join(", ")}) at ${formatCount(cfg.followRate)} msg/s:`,
  );
  const points = [];
  for (const count of cfg.followerCounts)
    for (const kind of cfg.followKinds) {
      const p = await followersPoint(cfg, { kind, count, total: followTotal(cfg, count) });
      log(
        `  ${count} × ${KIND_NAMES[kind]}: ${p.complete}/${p.followers} complete, ${formatCount(p.deliveries)} deliveries; ${formatCount(p.rate)} msg/s written; delay p50 ${formatMs(p.p50)}, p99 ${formatMs(p.p99)}, max ${formatMs(p.max)}; last delivery ${p.drainSeconds.toFixed(1)} s after the first append`,
      );
      if (p.complete !== p.followers) for (const problem of p.problems) log(`    ${problem}`);
      points.push(p);
    }
  return points;
}

function followersReport(cfg, points, load) {
  const rows = [];
  for (const p of points) {
    const name = `${int(p.followers)} follower${p.followers === 1 ? "" : "s"} (core ${KIND_NAMES[p.kind]}) × ${formatCount(cfg.followRate)} msg/s`;
    const ok = p.complete === p.followers;
    rows.push(
      {
        name: `${name}: every message, once, in order`,
        spool: p.complete,
        spoolText: `${p.complete}/${p.followers} followers complete (${formatCount(p.deliveries)} deliveries)`,
        target: { kind: "check", pass: ok, label: "all delivered" },
      },
      {
        name: `${name}: delivery delay p99`,
        spool: p.p99,
        spoolText: `${formatMs(p.p99)} (p50 ${formatMs(p.p50)}, max ${formatMs(p.max)})`,
      },
    );
  }
  const failures = points.filter((p) => p.complete !== p.followers);
  const counts = cfg.followerCounts;
  const totals = counts.map((c) => `${int(c)}: ${int(followTotal(cfg, c))}`);
  const notes = [
    `- scale, followers: per point a fresh ${cfg.followPoolSize} pool; the followers are core tails in up to ${cfg.followerProcesses} child processes (one Pool handle per process, one tail per follower, from seq 1): \`pool.tail()\` (a message object per delivery) or \`tailJsonl({ sharedChunks: true })\` (the HTTP server's path; the follower reads seqs from the lines' bytes); a writer process appends messages of ~40 B (\`{"sentAt":…,"n":…}\`) through core at ${formatCount(cfg.followRate)} msg/s, ${cfg.followSeconds} s of them, fewer where messages × followers would pass ${formatCount(cfg.followMaxDeliveries)} deliveries (messages per point: ${totals.join(", ")}); every follower must receive every seq once and in order; delay = arrival in the follower − send time in the writer, over every delivery after the first ${cfg.followWarmShare * 100}% of the seqs; one run per point; 1-min load ${load}${failures.length ? `; FAILURES: ${failures.map((p) => `${p.followers} × ${p.kind}: ${p.problems.join("; ")}`).join(" | ")}` : ""}`,
  ];
  const of = (kind) => counts.map((c) => points.find((p) => p.kind === kind && p.followers === c));
  const curve = {
    id: "followers",
    title: `Followers of one pool at ${formatCount(cfg.followRate)} msg/s: delivery delay`,
    xLabel: "followers (log scale)",
    yLabel: "delivery delay (ms, log scale)",
    logX: true,
    logY: true,
    x: counts,
    xText: counts.map((c) => int(c)),
    series: cfg.followKinds.flatMap((kind) => [
      { name: `${KIND_NAMES[kind]} p50`, y: of(kind).map((p) => p?.p50) },
      { name: `${KIND_NAMES[kind]} p99`, y: of(kind).map((p) => p?.p99) },
    ]),
    table: {
      header: [
        "followers",
        "tail",
        "processes",
        "complete",
        "deliveries",
        "written",
        "p50",
        "p99",
        "max",
        "last delivery after the first append",
        "follower CPU ÷ deliveries",
      ],
      rows: points.map((p) => [
        int(p.followers),
        KIND_NAMES[p.kind],
        String(p.processes),
        `${p.complete}/${p.followers}`,
        formatCount(p.deliveries),
        `${formatCount(p.total)} at ${formatCount(p.rate)} msg/s (${p.writeSeconds.toFixed(1)} s)`,
        formatMs(p.p50),
        formatMs(p.p99),
        formatMs(p.max),
        `${p.drainSeconds.toFixed(1)} s`,
        `${((p.followerCpuSeconds * 1e6) / Math.max(1, p.deliveries)).toFixed(2)} µs`,
      ]),
    },
    note: "When the followers need more CPU than the machine has, they fall behind the writer and catch up after it stops: the delay then measures the backlog, and the last delivery comes later than the last append. Follower CPU ÷ deliveries: the follower processes' CPU time from start to finish ÷ deliveries; with few followers it is mostly the cost of waking once per append (each append is a file change event), shared by more followers as they grow.",
  };
  return { rows, notes, curve };
}

async function messageSizeCurve(cfg, events, log) {
  log(`scale: message sizes (${cfg.messageSizes.map((s) => s.label).join(", ")}):`);
  const { cases, means } = messageSizeCases(cfg, cfg.messageSizes, events);
  const results = await runRounds(cases, cfg.rounds, log);
  return { results, means };
}

function messageSizeReport(cfg, { results, means }, load) {
  const sizes = cfg.messageSizes;
  const mbs = (key) => results.get(key).rate / 1e6;
  const msgs = (key, label) => results.get(key).rate / means.get(label);
  const rows = sizes.map((s) => ({
    name: `append ${s.label} messages (pool.append, stringify included)`,
    spool: mbs(`spool append ${s.label}`),
    spoolText: `${mbs(`spool append ${s.label}`).toFixed(0)} MB/s (${rate(msgs(`spool append ${s.label}`, s.label))})`,
    baselineName: "floor: stringify + pwrite",
    baseline: mbs(`floor ${s.label}`),
    baselineText: `${mbs(`floor ${s.label}`).toFixed(0)} MB/s (${rate(msgs(`floor ${s.label}`, s.label))})`,
  }));
  const notes = [
    `- scale, message size: 8 distinct objects per size (${sizes.map((s) => `${s.label}: mean ${formatCount(means.get(s.label))} B`).join(", ")}), as many whole ~1 KB events as fit in an \`items\` array and the rest a \`pad\` string (100 B: a small record and its pad); Spool appends them to a ${cfg.sizePoolSize} pool filled with them until it wrapped; the floor stringifies the same objects into a reused buffer and writes each with one pwrite into a pre-zeroed ${cfg.sizePoolSize} file, wrapping; per run up to ${formatCount(cfg.sizeBytesPerRun / MiB)} MiB, ${formatCount(cfg.sizeMaxCount)} messages or ${cfg.sizeMaxMs} ms; MB/s = 10^6 bytes of JSON per second; ${cfg.rounds} interleaved round(s), median shown; 1-min load ${load}`,
  ];
  const curve = {
    id: "message-size",
    title: "Message size: append throughput against the write floor",
    xLabel: "message size (log scale)",
    yLabel: "MB/s of JSON (log scale)",
    logX: true,
    logY: true,
    x: sizes.map((s) => s.bytes),
    xText: sizes.map((s) => s.label),
    series: [
      { name: "Spool pool.append", y: sizes.map((s) => mbs(`spool append ${s.label}`)) },
      { name: "floor: stringify + pwrite", y: sizes.map((s) => mbs(`floor ${s.label}`)) },
    ],
    table: {
      header: ["message size", "Spool append", "floor: stringify + pwrite", "Spool ÷ floor"],
      rows: sizes.map((s) => {
        const sp = `spool append ${s.label}`;
        const fl = `floor ${s.label}`;
        return [
          `${s.label} (mean ${formatCount(means.get(s.label))} B)`,
          `${mbs(sp).toFixed(0)} MB/s (${rate(msgs(sp, s.label))})`,
          `${mbs(fl).toFixed(0)} MB/s (${rate(msgs(fl, s.label))})`,
          times(mbs(sp), mbs(fl)),
        ];
      }),
    },
  };
  return { rows, notes, curve };
}

/** Runs the scale suite; `ctx` = { cfg, events, texts, log }. Returns { rows, notes, curves }. */
export async function runScaleSuite({ cfg, events, texts, log }) {
  const began = load1();
  const reports = [];
  const size = await withLoad(() => poolSizeCurve(cfg, events, texts, log));
  if (size.value.fixtures.length > 0) reports.push(poolSizeReport(cfg, size.value, size.load));
  const pools = await withLoad(() => poolsCurve(cfg, texts, log));
  reports.push(poolsReport(cfg, pools.value, pools.load));
  const followers = await withLoad(() => followersCurve(cfg, log));
  reports.push(followersReport(cfg, followers.value, followers.load));
  const messages = await withLoad(() => messageSizeCurve(cfg, events, log));
  reports.push(messageSizeReport(cfg, messages.value, messages.load));
  const notes = reports.flatMap((r) => r.notes);
  if (size.value.fixtures.length === 0)
    notes.unshift(
      `- scale, pool size: SKIPPED every size: ${gib(size.value.plan.free)} free on the temp directory's file system`,
    );
  notes.unshift(
    `- scale: 1-min load average (os.loadavg) ${began} at the start of the suite, ${load1()} at its end (a 2-core machine: above ~1, other work shared the CPUs)`,
  );
  return {
    rows: reports.flatMap((r) => r.rows).map(buildRow),
    notes,
    curves: reports.map((r) => r.curve),
  };
}

// JSONL tail throughput of one connection: the load-generator child reads
// GET /v0/pools/{pool}/tail?since_seq=1&max=N over a pre-filled pool with node's http.get,
// counting newlines (no parse), against core's tailJsonl replay of the same pool run inside the
// server process between HTTP runs (the ceiling: the same spliced chunks without HTTP). Each
// round reads the whole pool `cfg.tailPasses` times; one untimed pass per side warms up first.

/** One HTTP case and its in-process ceiling for the pool `fixture` ({ name, count, label }). */
export function tailCases(env, fixture) {
  const { cfg, load, server, spoolUrl } = env;
  const url = `${spoolUrl}/v0/pools/${fixture.name}/tail?since_seq=1&max=${fixture.count}`;
  const job = { url, expect: fixture.count, timeoutMs: cfg.tailTimeoutMs };
  const replay = (passes) =>
    server.call("coreReplay", { pool: fixture.name, expect: fixture.count, passes });
  return [
    {
      key: `http tail ${fixture.label}`,
      setup: () => load.call("tails", { ...job, passes: 1 }),
      run: async () => {
        const before = await server.call("cpu");
        const r = await load.call("tails", { ...job, passes: cfg.tailPasses });
        const after = await server.call("cpu");
        const serverCpu = (after.user - before.user + after.system - before.system) / 1e6;
        return {
          ops: r.lines,
          seconds: r.seconds,
          bytes: r.bytes,
          clientCpu: r.cpu,
          serverCpu: (serverCpu / r.seconds) * 100,
        };
      },
    },
    {
      key: `core tailJsonl ${fixture.label}`,
      setup: () => replay(1),
      run: async () => {
        const r = await replay(cfg.tailPasses);
        return { ops: r.lines, seconds: r.seconds, bytes: r.bytes };
      },
    },
  ];
}

// SDK cases over HTTP: `callers` concurrent callers in the SDK load-generator child, each
// awaiting one append at a time through @spool/client, with a producer (`pool.producer(id,
// { epoch })`'s `append`, one producer shared by the callers, which the SDK may coalesce into
// batches) against plain `pool.append` of the same events, on two full pools prepared alike.
// Every run uses a new producer id (it starts at seq 1), so the load child can check that the
// server's state for it counts exactly the appends that were answered.

function cpuSeconds(before, after) {
  return (after.user - before.user + after.system - before.system) / 1e6;
}

function sdkCase(key, env, { pool, mode }) {
  const { cfg, server, sdk, spoolUrl } = env;
  let runs = 0;
  const job = (seconds) => ({
    baseUrl: spoolUrl,
    pool,
    mode,
    callers: cfg.sdkCallers,
    ms: seconds * 1000,
    producerId: `bench-${process.pid}-${runs++}`,
  });
  return {
    key,
    setup: async () => {
      await sdk.call("run", job(cfg.warmSeconds || 0.2));
    },
    run: async () => {
      const before = await server.call("cpu");
      const r = await sdk.call("run", job(cfg.seconds));
      const serverCpu = cpuSeconds(before, await server.call("cpu"));
      return {
        ops: r.appends,
        seconds: r.seconds,
        p50: r.p50,
        p99: r.p99,
        clientCpu: r.cpu,
        retries: r.retries,
        serverCpu: (serverCpu / r.seconds) * 100,
        serverUsPerRequest: (serverCpu * 1e6) / r.appends,
      };
    },
  };
}

/** The SDK producer and plain SDK appends, `cfg.sdkCallers` concurrent callers each. */
export function sdkProducerCases(env) {
  const c = env.cfg.sdkCallers;
  return [
    sdkCase(`sdk plain append, ${c} callers`, env, { pool: env.sdkPlainPool, mode: "plain" }),
    sdkCase(`sdk producer append, ${c} callers`, env, {
      pool: env.sdkProducerPool,
      mode: "producer",
    }),
  ];
}

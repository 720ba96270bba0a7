// Summaries of a V8 CPU profile (the .cpuprofile JSON that `node --cpu-prof` writes): self and
// inclusive time per function, and self time per package (which node_modules package, which
// Spool workspace package, node's internals, or V8's own entries such as `(garbage collector)`).
// Times come from the sample time deltas, so they are wall time spent on the main thread.

/** Which package a script URL belongs to. */
export function packageOf(url, functionName = "") {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node (internal)";
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "/node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const ws = url.match(/\/packages\/([^/]+)\//);
  if (ws) return `@spool/${ws[1]} (workspace)`;
  if (url.includes("/bench/src/")) return "bench";
  return url;
}

function shortUrl(url) {
  if (!url) return "";
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) return url.slice(nm + "/node_modules/".length);
  const ws = url.indexOf("/packages/");
  if (ws >= 0) return url.slice(ws + 1);
  return url.replace(/^file:\/\//, "");
}

/**
 * Returns { totalMs, functions: [{ name, where, pkg, selfMs, totalMs }] sorted by self time,
 * packages: [{ pkg, selfMs }] sorted } for a parsed profile.
 */
export function summarise(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = new Map();
  const functions = new Map();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || "(anonymous)";
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : "";
    const key = `${name} ${where}`;
    keyOf.set(node.id, key);
    if (!functions.has(key))
      functions.set(key, { name, where, pkg: packageOf(url, name), selfMs: 0, totalMs: 0 });
  }
  let totalMs = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // A sample's delta is the time since the previous sample: charge it to this sample.
    const ms = Math.max(0, (deltas[i] ?? 0) / 1000);
    totalMs += ms;
    const leaf = samples[i];
    functions.get(keyOf.get(leaf)).selfMs += ms;
    const seen = new Set();
    for (let id = leaf; id !== undefined; id = parent.get(id)) {
      const key = keyOf.get(id);
      if (!seen.has(key)) {
        seen.add(key);
        functions.get(key).totalMs += ms;
      }
      if (!byId.has(id)) break;
    }
  }
  const packages = new Map();
  for (const f of functions.values()) packages.set(f.pkg, (packages.get(f.pkg) ?? 0) + f.selfMs);
  return {
    totalMs,
    functions: [...functions.values()].sort((a, b) => b.selfMs - a.selfMs),
    packages: [...packages.entries()]
      .map(([pkg, selfMs]) => ({ pkg, selfMs }))
      .sort((a, b) => b.selfMs - a.selfMs),
  };
}

/** A markdown report of a summary: top self time, time by package, top inclusive time. */
export function formatSummary(summary, { top = 25, ignore = ["(idle)"] } = {}) {
  const busy = summary.functions
    .filter((f) => ignore.includes(f.name))
    .reduce((ms, f) => ms - f.selfMs, summary.totalMs);
  const pct = (ms) => `${((ms / busy) * 100).toFixed(1)}%`;
  const lines = [
    `profiled ${(summary.totalMs / 1000).toFixed(1)} s, of which ${(busy / 1000).toFixed(1)} s busy (not idle); percentages are of busy time`,
    "",
    "| self | total | function | where | package |",
    "|---|---|---|---|---|",
  ];
  for (const f of summary.functions.filter((f) => !ignore.includes(f.name)).slice(0, top))
    lines.push(`| ${pct(f.selfMs)} | ${pct(f.totalMs)} | ${f.name} | ${f.where} | ${f.pkg} |`);
  lines.push("", "| self time by package | share |", "|---|---|");
  for (const p of summary.packages.filter((p) => !ignore.includes(p.pkg) && p.selfMs > 0))
    lines.push(`| ${p.pkg} | ${pct(p.selfMs)} |`);
  const spool = summary.functions
    .filter((f) => f.pkg.startsWith("@spool/") && f.totalMs / busy >= 0.01)
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, top);
  lines.push(
    "",
    "| Spool functions by inclusive time | total | self | where |",
    "|---|---|---|---|",
  );
  for (const f of spool)
    lines.push(`| ${f.name} | ${pct(f.totalMs)} | ${pct(f.selfMs)} | ${f.where} |`);
  return lines.join("\n");
}

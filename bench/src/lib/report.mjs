// The report: targets with PASS/MISS verdicts and their margins, and the markdown table
// (benchmark | Spool | baseline | ratio | target | verdict).
import { formatCount, formatMs } from "./measure.mjs";

/** A throughput figure: "72.3k msg/s". */
export function rate(value, unit = "msg/s") {
  return `${formatCount(value)} ${unit}`;
}

/**
 * Target kinds: `atLeast` an absolute figure, `ratioAtLeast` a ratio to the baseline, `atMost`
 * an absolute figure (latency), `check` a yes/no property measured by the case (`pass`). Returns { text, verdict } with the margin as headroom in percent
 * (positive: met with room to spare; negative: missed by that much).
 */
export function judge(target, value, ratio) {
  if (!target) return { text: "—", verdict: "—", pass: undefined };
  let pass;
  let margin;
  let text;
  if (target.kind === "check") {
    const verdict = target.pass ? "PASS" : "FAIL";
    return { text: target.label, verdict, pass: target.pass };
  }
  if (target.kind === "atLeast") {
    pass = value >= target.value;
    margin = value / target.value - 1;
    text = `≥ ${target.label}`;
  } else if (target.kind === "ratioAtLeast") {
    pass = ratio >= target.value;
    margin = ratio / target.value - 1;
    text = `≥ ${target.value}×`;
  } else {
    pass = value <= target.value;
    margin = (target.value - value) / target.value;
    text = `≤ ${target.label}`;
  }
  const pct = `${margin >= 0 ? "+" : "−"}${Math.abs(margin * 100).toFixed(0)}%`;
  return { text, verdict: `${pass ? "PASS" : "MISS"} (${pct})`, pass };
}

/**
 * A row: { name, spool: number, spoolText, baselineName?, baseline?: number, baselineText?,
 * higherIsBetter = true, target? }.
 */
export function buildRow(row) {
  const ratio = row.baseline === undefined ? undefined : row.spool / row.baseline;
  const { text, verdict, pass } = judge(row.target, row.spool, ratio);
  return {
    name: row.name,
    spool: row.spoolText ?? rate(row.spool),
    baseline:
      row.baseline === undefined
        ? "—"
        : `${row.baselineName}: ${row.baselineText ?? rate(row.baseline)}`,
    ratio: ratio === undefined ? "—" : `${ratio.toFixed(2)}×`,
    target: text,
    verdict,
    pass,
  };
}

export function markdownTable(rows) {
  const header = ["benchmark", "Spool", "baseline", "ratio", "target", "verdict"];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const r of rows)
    lines.push(`| ${[r.name, r.spool, r.baseline, r.ratio, r.target, r.verdict].join(" | ")} |`);
  return lines.join("\n");
}

export { formatMs };

// The results files of a run: for every suite that ran, `bench/results/<suite>.md` (the run's
// header, the suite's notes, its table, its extra tables and, for suites with curves, one table
// per curve) and `bench/results/<suite>.svg` (its curves as line charts, or else its rows'
// ratios as bars). Every run overwrites the files of the suites it ran and leaves the others;
// a QUICK smoke run writes `<suite>.quick.md` / `.quick.svg` instead (ignored by git), so it
// never replaces the figures of a full run.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { markdownTable } from "./report.mjs";
import { lineChart, rowsRatioChart, svgDocument } from "./svg-chart.mjs";

/** bench/results/ of this checkout. */
export const RESULTS_DIR = fileURLToPath(new URL("../../results/", import.meta.url));

/** A markdown table from a header and rows of cells. */
export function cellsTable(header, rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(header), `|${header.map(() => "---").join("|")}|`, ...rows.map(line)].join("\n");
}

/** The SVG of one suite: its curves when it has any, else the ratios of its rows. */
export function suiteSvg(title, { rows = [], curves = [] }) {
  const panels =
    curves.length > 0 ? curves.map((c) => lineChart(c)) : [rowsRatioChart(title, rows)];
  return svgDocument(panels, 12, `Spool benchmark: ${title}`);
}

/**
 * Writes the files of one suite; `result` = { rows, notes, details?: markdown tables, curves? }
 * and `header` the run's lines (machine, load, ...). Returns the paths written.
 */
export function writeSuiteResults({ suite, title, header, result, quick, dir = RESULTS_DIR }) {
  mkdirSync(dir, { recursive: true });
  const base = quick ? `${suite}.quick` : suite;
  const curves = result.curves ?? [];
  const md = [
    `# ${title}${quick ? " (QUICK smoke run, not representative)" : ""}`,
    "",
    `Written by \`node bench/src/main.mjs\` at the end of a run that included this suite; chart: [${base}.svg](${base}.svg).`,
    "",
    ...header,
    ...(result.notes ?? []),
    "",
    markdownTable(result.rows ?? []),
  ];
  for (const table of result.details ?? []) md.push("", table);
  for (const curve of curves) {
    if (!curve.table) continue;
    md.push("", `## ${curve.title}`, "", cellsTable(curve.table.header, curve.table.rows));
    if (curve.note) md.push("", curve.note);
  }
  const mdPath = join(dir, `${base}.md`);
  const svgPath = join(dir, `${base}.svg`);
  writeFileSync(mdPath, `${md.join("\n")}\n`);
  writeFileSync(svgPath, suiteSvg(title, { rows: result.rows, curves }));
  return [mdPath, svgPath];
}

// Small hand-written SVG charts for the benchmark's results files (no dependency): a line chart
// of one or more series over a shared x (log or linear axes, tick labels, axis titles, a
// legend, an optional shaded band such as "within 10 % of the first point"), and a bar chart of
// Spool ÷ baseline ratios on a log axis centred on 1× (bars grouped under their benchmark
// name, the target as a tick). Each chart is a panel `{ width, height, body }`; `svgDocument`
// stacks panels into one standalone SVG file.
// Invariants: every text is XML-escaped; the output is well-formed XML (one root element, every
// element closed); a missing or non-finite value is left out (it breaks a line, it draws no
// bar), never drawn at 0; coordinates are rounded to 0.1 px so files stay small.

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"];
const FONT = 11;
/** Rough width of one character of the 11 px sans-serif font, for layout. */
const CHAR_W = 6;
/** Height of one legend row. */
const LEGEND_ROW = 15;

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe for XML content and attribute values. */
export function escapeXml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const r1 = (n) => Math.round(n * 10) / 10;
const finite = (n) => typeof n === "number" && Number.isFinite(n);

/** A short number for tick labels: 1500 -> "1.5k", 0.25 -> "0.25", 2e6 -> "2M". */
export function shortNumber(n) {
  const abs = Math.abs(n);
  const trim = (x) => String(Number(x.toPrecision(3)));
  if (abs >= 1e9) return `${trim(n / 1e9)}G`;
  if (abs >= 1e6) return `${trim(n / 1e6)}M`;
  if (abs >= 1e3) return `${trim(n / 1e3)}k`;
  return trim(n);
}

/** Ticks for a linear axis from 0 (or `min`) to at least `max`: steps of 1, 2 or 5 × 10^k. */
function linearTicks(min, max, count = 5) {
  const span = max - min || Math.abs(max) || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks = [];
  const first = Math.floor(min / step) * step;
  for (let v = first; v <= max + step * 0.999 && ticks.length < 20; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Ticks for a log axis: 1, 2, 5 × 10^k when the range is short, decades otherwise. */
function logTicks(min, max) {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const steps = hi - lo <= 3 ? [1, 2, 5] : [1];
  const ticks = [];
  for (let e = lo; e <= hi; e++)
    for (const m of steps) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= min * 0.999 && v <= max * 1.001) ticks.push(v);
    }
  return ticks;
}

/** Maps [d0, d1] onto [p0, p1], on a log scale when `log`. */
function scaler(d0, d1, p0, p1, log) {
  const f = log ? Math.log10 : (v) => v;
  const a = f(d0);
  const span = f(d1) - a || 1;
  return (v) => p0 + ((f(v) - a) / span) * (p1 - p0);
}

function text(x, y, content, attrs = "") {
  return `<text x="${r1(x)}" y="${r1(y)}"${attrs ? ` ${attrs}` : ""}>${escapeXml(content)}</text>`;
}

function line(x1, y1, x2, y2, attrs) {
  return `<line x1="${r1(x1)}" y1="${r1(y1)}" x2="${r1(x2)}" y2="${r1(y2)}" ${attrs}/>`;
}

/**
 * The legend: one short line and dot per series, left to right from `x`, wrapping before
 * `maxX`; the first row's baseline at `y`. Returns { svg, rows }.
 */
function legend(names, x, y, maxX) {
  const parts = [];
  let at = x;
  let row = 0;
  names.forEach((name, i) => {
    const w = 30 + name.length * CHAR_W;
    if (at > x && at + w > maxX) {
      at = x;
      row++;
    }
    const ly = y + row * LEGEND_ROW;
    const color = PALETTE[i % PALETTE.length];
    parts.push(line(at, ly - 4, at + 18, ly - 4, `stroke="${color}" stroke-width="2"`));
    parts.push(`<circle cx="${r1(at + 9)}" cy="${r1(ly - 4)}" r="2.5" fill="${color}"/>`);
    parts.push(text(at + 22, ly, name));
    at += w;
  });
  return { svg: parts.join(""), rows: row + 1 };
}

/**
 * A line chart. `spec` = { title, xLabel, yLabel, x: numbers, xText?: labels for the x ticks
 * (then the ticks sit at the x values), series: [{ name, y: numbers }], logX?, logY?,
 * band?: [low, high] (shaded), yFrom0? (linear y starts at 0; default true), width?, height? }.
 */
export function lineChart(spec) {
  const { title, xLabel, yLabel, x, xText, series, logX = false, logY = false } = spec;
  const width = spec.width ?? 640;
  const m = { top: 48, right: 20, bottom: 46, left: 66 };
  const key = legend(
    series.map((s) => s.name),
    m.left,
    36,
    width - m.right,
  );
  m.top += (key.rows - 1) * LEGEND_ROW;
  const height = (spec.height ?? 320) + (key.rows - 1) * LEGEND_ROW;
  const plot = { x0: m.left, x1: width - m.right, y0: height - m.bottom, y1: m.top };
  const ys = series.flatMap((s) => s.y).filter((v) => finite(v) && (!logY || v > 0));
  if (spec.band) ys.push(...spec.band);
  const xs = x.filter((v) => finite(v) && (!logX || v > 0));
  const parts = [
    text(width / 2, 18, title, 'text-anchor="middle" font-size="13" font-weight="bold"'),
  ];
  if (xs.length === 0 || ys.length === 0) {
    parts.push(text(width / 2, height / 2, "no data", 'text-anchor="middle" fill="#888"'));
    return { width, height, body: parts.join("") };
  }
  // Domains, padded so the end points do not sit on the frame.
  let [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  if (logX) [xMin, xMax] = [xMin / 1.4, xMax * 1.4];
  else {
    const pad = (xMax - xMin || 1) * 0.05;
    [xMin, xMax] = [xMin - pad, xMax + pad];
  }
  let [yMin, yMax] = [Math.min(...ys), Math.max(...ys)];
  let yTicks;
  if (logY) {
    [yMin, yMax] = [yMin / 1.5, yMax * 1.5];
    yTicks = logTicks(yMin, yMax);
  } else {
    if (spec.yFrom0 !== false) yMin = Math.min(0, yMin);
    yTicks = linearTicks(yMin, yMax * 1.05);
    [yMin, yMax] = [yTicks[0], yTicks[yTicks.length - 1]];
  }
  const sx = scaler(xMin, xMax, plot.x0, plot.x1, logX);
  const sy = scaler(yMin, yMax, plot.y0, plot.y1, logY);

  parts.push(key.svg);
  if (spec.band) {
    const [lo, hi] = spec.band.map((v) => Math.min(plot.y0, Math.max(plot.y1, sy(v))));
    parts.push(
      `<rect x="${r1(plot.x0)}" y="${r1(hi)}" width="${r1(plot.x1 - plot.x0)}" height="${r1(lo - hi)}" fill="#2ca02c" fill-opacity="0.1"/>`,
    );
  }
  for (const v of yTicks) {
    const y = sy(v);
    parts.push(line(plot.x0, y, plot.x1, y, 'stroke="#e4e4e4"'));
    parts.push(text(plot.x0 - 5, y + 4, shortNumber(v), 'text-anchor="end"'));
  }
  const xTicks = xText
    ? x.map((v, i) => ({ v, label: xText[i] })).filter((t) => finite(t.v))
    : (logX ? logTicks(xMin, xMax) : linearTicks(xMin, xMax)).map((v) => ({
        v,
        label: shortNumber(v),
      }));
  for (const { v, label } of xTicks) {
    const px = sx(v);
    if (px < plot.x0 - 0.5 || px > plot.x1 + 0.5) continue;
    parts.push(line(px, plot.y0, px, plot.y0 + 4, 'stroke="#444"'));
    parts.push(text(px, plot.y0 + 16, label, 'text-anchor="middle"'));
  }
  parts.push(
    `<rect x="${r1(plot.x0)}" y="${r1(plot.y1)}" width="${r1(plot.x1 - plot.x0)}" height="${r1(plot.y0 - plot.y1)}" fill="none" stroke="#444"/>`,
  );
  parts.push(text((plot.x0 + plot.x1) / 2, height - 8, xLabel, 'text-anchor="middle"'));
  const yMid = (plot.y0 + plot.y1) / 2;
  parts.push(text(14, yMid, yLabel, `text-anchor="middle" transform="rotate(-90 14 ${r1(yMid)})"`));

  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    let d = "";
    let pen = "M";
    const dots = [];
    s.y.forEach((v, k) => {
      const xv = x[k];
      if (!finite(v) || !finite(xv) || (logY && v <= 0) || (logX && xv <= 0)) {
        pen = "M";
        return;
      }
      const [px, py] = [r1(sx(xv)), r1(sy(v))];
      d += `${pen}${px} ${py}`;
      pen = "L";
      dots.push(`<circle cx="${px}" cy="${py}" r="3" fill="${color}"/>`);
    });
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    parts.push(...dots);
  });
  return { width, height, body: parts.join("") };
}

/** "0.88×" -> 0.88; anything else -> undefined. */
function ratioOf(textValue) {
  const match = /(-?[\d.]+)×\s*$/.exec(String(textValue ?? ""));
  return match ? Number(match[1]) : undefined;
}

/**
 * A horizontal bar chart of ratios on a log axis around 1×. `spec` = { title, groups: [{ name,
 * bars: [{ label, value, target?, pass? }] }], width? }. A bar runs from 1× to its value;
 * green when its target was met, red when missed, blue without a target.
 */
export function ratioBarChart(spec) {
  const width = spec.width ?? 760;
  const labelW = 330;
  const m = { top: 44, right: 60, bottom: 40, left: labelW + 10 };
  const groups = spec.groups
    .map((g) => ({ ...g, bars: g.bars.filter((b) => finite(b.value) && b.value > 0) }))
    .filter((g) => g.bars.length > 0);
  const rowH = 15;
  const groupH = 17;
  const rows = groups.reduce((n, g) => n + g.bars.length, 0);
  const height = m.top + m.bottom + rows * rowH + groups.length * groupH;
  const parts = [
    text(width / 2, 18, spec.title, 'text-anchor="middle" font-size="13" font-weight="bold"'),
  ];
  if (rows === 0) {
    parts.push(
      text(width / 2, 38, "no ratios to chart in these rows", 'text-anchor="middle" fill="#888"'),
    );
    return { width, height: 60, body: parts.join("") };
  }
  const values = groups.flatMap((g) => g.bars.flatMap((b) => [b.value, b.target])).filter(finite);
  // Room beyond the extreme bars for their value labels.
  const lo = Math.min(1, ...values) / 1.9;
  const hi = Math.max(1, ...values) * 1.6;
  const x0 = m.left;
  const x1 = width - m.right;
  const sx = scaler(lo, hi, x0, x1, true);
  const yTop = m.top;
  const yBottom = height - m.bottom;
  parts.push(
    text(
      4,
      34,
      "Spool ÷ baseline, log scale (right of 1×: Spool ahead). Bars: green ratio target met, red missed, blue none; black tick: the target.",
      'fill="#555" font-size="10"',
    ),
  );
  for (const v of logTicks(lo, hi)) {
    const px = sx(v);
    parts.push(line(px, yTop, px, yBottom, `stroke="${v === 1 ? "#444" : "#e4e4e4"}"`));
    parts.push(text(px, yBottom + 14, `${shortNumber(v)}×`, 'text-anchor="middle"'));
  }
  parts.push(text((x0 + x1) / 2, height - 8, "ratio", 'text-anchor="middle"'));
  let y = yTop;
  const clip = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const maxChars = Math.floor(labelW / CHAR_W);
  for (const g of groups) {
    y += groupH;
    parts.push(
      `<text x="4" y="${r1(y - 4)}" font-weight="bold"><title>${escapeXml(g.name)}</title>${escapeXml(clip(g.name, Math.floor((width - 8) / (CHAR_W + 0.4))))}</text>`,
    );
    for (const b of g.bars) {
      const color = b.pass === true ? "#2ca02c" : b.pass === false ? "#d62728" : "#1f77b4";
      const a = sx(1);
      const e = sx(b.value);
      parts.push(
        `<text x="${labelW}" y="${r1(y + 11)}" text-anchor="end"><title>${escapeXml(b.label)}</title>${escapeXml(clip(b.label, maxChars))}</text>`,
      );
      parts.push(
        `<rect x="${r1(Math.min(a, e))}" y="${r1(y + 2)}" width="${r1(Math.max(1, Math.abs(e - a)))}" height="${rowH - 4}" fill="${color}"/>`,
      );
      parts.push(
        text(
          e >= a ? e + 3 : e - 3,
          y + 11,
          `${b.value.toFixed(2)}×`,
          `font-size="10"${e >= a ? "" : ' text-anchor="end"'}`,
        ),
      );
      if (finite(b.target) && b.target > 0) {
        const t = sx(b.target);
        parts.push(line(t, y, t, y + rowH, 'stroke="#000" stroke-width="2"'));
      }
      y += rowH;
    }
  }
  return { width, height, body: parts.join("") };
}

/**
 * The ratio chart of report rows (as `buildRow` makes them: ratio "0.88×", target "≥ 0.8×",
 * baseline "name: figure"), grouped by benchmark name in row order; rows without a ratio are
 * left out.
 */
export function rowsRatioChart(title, rows) {
  const groups = [];
  for (const row of rows) {
    const value = ratioOf(row.ratio);
    if (value === undefined) continue;
    let group = groups[groups.length - 1];
    if (group?.name !== row.name) {
      group = { name: row.name, bars: [] };
      groups.push(group);
    }
    const cut = String(row.baseline).lastIndexOf(": ");
    const label = cut > 0 ? row.baseline.slice(0, cut) : String(row.baseline);
    // Only a ratio target colours a ratio's bar (an absolute one, e.g. "≥ 60k msg/s", is not on this axis).
    const target = ratioOf(row.target);
    const pass = target === undefined ? undefined : row.pass;
    group.bars.push({ label: `vs ${label}`, value, target, pass });
  }
  return ratioBarChart({ title, groups });
}

/** One standalone SVG document holding `panels` stacked top to bottom, titled `title`. */
export function svgDocument(panels, gap = 12, title = "Spool benchmark results") {
  const width = Math.max(...panels.map((p) => p.width));
  let y = 0;
  const bodies = [];
  for (const p of panels) {
    bodies.push(`<g transform="translate(0 ${r1(y)})">${p.body}</g>`);
    y += p.height + gap;
  }
  const height = Math.max(1, y - gap);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${r1(height)}" viewBox="0 0 ${width} ${r1(height)}" font-family="sans-serif" font-size="${FONT}" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${r1(height)}" fill="#fff"/>`,
    ...bodies,
    "</svg>",
    "",
  ].join("\n");
}

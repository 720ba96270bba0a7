/**
 * Number and size formatting for the console's tables.
 *
 * Invariants: pure; binary units for bytes (KiB, MiB, GiB), as the CLI prints pool sizes.
 */

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatRate(rate: number | undefined): string {
  if (rate === undefined) return "–";
  if (rate >= 1000) return `${(rate / 1000).toFixed(1)}k/s`;
  return `${rate.toFixed(rate < 10 ? 1 : 0)}/s`;
}

export function formatBounds(bounds: { oldest: number; newest: number } | null): string {
  return bounds ? `${bounds.oldest}–${bounds.newest}` : "empty";
}

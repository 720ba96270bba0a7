/**
 * "Did you mean …?" for mistyped commands and flags: the known word closest to what was typed,
 * by edit distance (insertions, deletions, substitutions and swaps of neighbours), if it is
 * close enough to be a likely typo.
 *
 * Invariants: pure; never suggests the word itself; a suggestion is within 2 edits and within
 * about a third of the typed word's length (so short words only get near misses); ties go to
 * the candidate listed first.
 */

/** Optimal string alignment distance between `a` and `b` (each swap of neighbours costs 1). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (up[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (up[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = best;
    }
  }
  return (d[rows - 1] as number[])[cols - 1] as number;
}

/**
 * The candidate closest to `typed`, or undefined when none is a likely typo of it.
 *
 * @example
 * closest("folow", ["feed", "follow", "fetch"]) // "follow"
 */
export function closest(typed: string, candidates: readonly string[]): string | undefined {
  const limit = Math.min(2, Math.max(1, Math.floor(typed.length / 3)));
  let best: { word: string; distance: number } | undefined;
  for (const word of candidates) {
    if (word === typed) continue;
    const distance = editDistance(typed, word);
    if (distance <= limit && (!best || distance < best.distance)) best = { word, distance };
  }
  return best?.word;
}

/**
 * ANSI styling for terminal output: a `paint` helper and a JSON colouriser.
 *
 * Invariants: with colour off every function returns its input text unchanged (byte for byte),
 * so pretty output without colour is plain text; colouring never changes the JSON text itself.
 */

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
} as const;

export type Style = keyof typeof CODES;

/** `text` wrapped in the ANSI codes of `style` when `on`. */
export function paint(on: boolean, style: Style, text: string): string {
  if (!on) return text;
  const [open, close] = CODES[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

const TOKEN =
  /("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b/g;

/** Colours JSON text (keys cyan, strings green, numbers yellow, literals magenta). */
export function colorJson(on: boolean, json: string): string {
  if (!on) return json;
  return json.replace(
    TOKEN,
    (
      match,
      str: string | undefined,
      colon: string | undefined,
      num: string | undefined,
      lit: string | undefined,
    ) => {
      if (str !== undefined)
        return colon !== undefined ? paint(true, "cyan", str) + colon : paint(true, "green", str);
      if (num !== undefined) return paint(true, "yellow", num);
      if (lit !== undefined) return paint(true, "magenta", lit);
      return match;
    },
  );
}

/**
 * One screen line of a view: an ink text node of a fixed size (the line's width, one row).
 *
 * Why not ink's `<Text>`: ink 6 measures a text node's content for layout through a cache that
 * keeps every distinct text it ever measured (build/measure-text.js, never cleared), so a live
 * tail, whose lines are all different, would grow memory without bound. A text node whose width
 * and height are both fixed is never measured (yoga lays out an exactly sized leaf without its
 * measure function), so nothing enters that cache.
 *
 * Invariants: exactly one row of exactly `width` columns (shorter text is padded by layout,
 * longer is cut by ink's truncation); the style is SGR codes around the text, reset at the end;
 * with NO_COLOR set, colours are left out (bold, dim and inverse are attributes, kept).
 */
import { createElement } from "react";

export type LineStyle = "plain" | "bold" | "dim" | "inverse" | "yellow" | "red" | "boldDim";

const SGR: Readonly<Record<LineStyle, [string, string]>> = {
  plain: ["", ""],
  bold: ["\u001b[1m", "\u001b[22m"],
  dim: ["\u001b[2m", "\u001b[22m"],
  boldDim: ["\u001b[1m\u001b[2m", "\u001b[22m"],
  inverse: ["\u001b[7m", "\u001b[27m"],
  yellow: ["\u001b[33m", "\u001b[39m"],
  red: ["\u001b[31m", "\u001b[39m"],
};

const TRANSFORMS: Readonly<Record<LineStyle, ((text: string) => string) | undefined>> = {
  plain: undefined,
  bold: (t) => `${SGR.bold[0]}${t}${SGR.bold[1]}`,
  dim: (t) => `${SGR.dim[0]}${t}${SGR.dim[1]}`,
  boldDim: (t) => `${SGR.boldDim[0]}${t}${SGR.boldDim[1]}`,
  inverse: (t) => `${SGR.inverse[0]}${t}${SGR.inverse[1]}`,
  yellow: (t) => `${SGR.yellow[0]}${t}${SGR.yellow[1]}`,
  red: (t) => `${SGR.red[0]}${t}${SGR.red[1]}`,
};

const noColor = (): boolean => (process.env.NO_COLOR ?? "") !== "";

export interface LineProps {
  width: number;
  text: string;
  style?: LineStyle | undefined;
}

/** One line of `width` columns showing `text` (cut to fit). */
export function Line({ width, text, style = "plain" }: LineProps): React.JSX.Element {
  const colour = style === "red" || style === "yellow";
  const transform = colour && noColor() ? undefined : TRANSFORMS[style];
  return createElement(
    "ink-text" as never,
    {
      style: {
        width: Math.max(1, width),
        height: 1,
        flexGrow: 0,
        flexShrink: 0,
        flexDirection: "row",
        textWrap: "truncate-end",
      },
      ...(transform ? { internal_transform: transform } : {}),
    } as never,
    text,
  );
}

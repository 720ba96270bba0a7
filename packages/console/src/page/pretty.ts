/**
 * Pretty-printing of stored JSON text without parsing it: the text is re-laid (two-space
 * indents, one member per line) token by token, so what the inspector shows is exactly what
 * was stored: integers beyond 2^53, number spellings (`1.50`, `1e2`) and key order survive.
 *
 * Invariants: only whitespace outside strings changes (removing every whitespace outside
 * strings from input and output gives the same text); strings, escapes included, are copied as
 * they are; empty objects and arrays stay `{}` and `[]`; text that is no JSON comes out re-laid
 * as best it can, never throwing.
 */

export function prettyJson(text: string, indent = "  "): string {
  let out = "";
  let depth = 0;
  let i = 0;
  const newline = () => `\n${indent.repeat(depth)}`;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      out += text.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") {
      i++;
      continue;
    }
    if (ch === "{" || ch === "[") {
      let next = i + 1;
      while (next < text.length && /\s/.test(text[next] as string)) next++;
      const close = ch === "{" ? "}" : "]";
      if (text[next] === close) {
        out += ch + close;
        i = next + 1;
        continue;
      }
      depth++;
      out += ch + newline();
    } else if (ch === "}" || ch === "]") {
      depth = Math.max(0, depth - 1);
      out += newline() + ch;
    } else if (ch === ",") out += `,${newline()}`;
    else if (ch === ":") out += ": ";
    else out += ch;
    i++;
  }
  return out;
}

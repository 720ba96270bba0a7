/**
 * Pretty-printing stored JSON text without parsing it: the text is re-laid token by token (two
 * spaces per level, one member per line), so the inspector shows exactly what was stored:
 * integers beyond 2^53, number spellings (`1.50`, `1e2`) and key order survive.
 *
 * Invariants: only whitespace outside strings changes; strings (escapes included) are copied
 * as they are; `{}` and `[]` stay on one line; text that is not JSON is re-laid as far as it
 * goes and never throws.
 */

export function prettyJson(text: string, indent = "  "): string {
  let out = "";
  let depth = 0;
  const br = (): string => `\n${indent.repeat(depth)}`;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    switch (ch) {
      case '"': {
        let end = i + 1;
        while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
        out += text.slice(i, end + 1);
        i = end;
        break;
      }
      case " ":
      case "\t":
      case "\n":
      case "\r":
        break;
      case "{":
      case "[": {
        const close = ch === "{" ? "}" : "]";
        let next = i + 1;
        while (next < text.length && /\s/.test(text[next] as string)) next++;
        if (text[next] === close) {
          out += ch + close;
          i = next;
        } else {
          depth++;
          out += ch + br();
        }
        break;
      }
      case "}":
      case "]":
        depth = Math.max(0, depth - 1);
        out += br() + ch;
        break;
      case ",":
        out += `,${br()}`;
        break;
      case ":":
        out += ": ";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

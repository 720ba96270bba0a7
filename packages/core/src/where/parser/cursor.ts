/**
 * The token cursor under the `where` parser: the position in the token list, the nesting depth
 * and the variable scopes, with the look-ahead, expect and error helpers every level uses.
 *
 * Invariants: `next` never moves past the end-of-input token; `enter` refuses nesting deeper than
 * `maxDepth` with a WhereSyntaxError at the given column (each `enter` is paired with a
 * `depth--` by its caller), so the parser's recursion is bounded by it.
 */
import { whereSyntaxError } from "../errors.js";
import type { Token } from "../lexer.js";

export class TokenCursor {
  private pos = 0;
  protected depth = 0;
  protected readonly scopes: string[] = [];

  constructor(
    private readonly tokens: Token[],
    private readonly maxDepth: number,
  ) {}

  protected peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)] as Token;
  }

  protected next(): Token {
    const t = this.peek();
    if (t.kind !== "eof") this.pos++;
    return t;
  }

  protected isPunct(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === "punct" && t.text === text;
  }

  protected isKeyword(text: string): boolean {
    const t = this.peek();
    return t.kind === "keyword" && t.text === text;
  }

  protected expectPunct(text: string): Token {
    const t = this.next();
    if (t.kind !== "punct" || t.text !== text) {
      throw whereSyntaxError(`expected \`${text}\` but found ${describe(t)}`, t.col);
    }
    return t;
  }

  protected expectKeyword(text: string): void {
    const t = this.next();
    if (t.kind !== "keyword" || t.text !== text) {
      throw whereSyntaxError(`expected \`${text}\` but found ${describe(t)}`, t.col);
    }
  }

  protected unexpected(t: Token): Error {
    return whereSyntaxError(`unexpected ${describe(t)}`, t.col);
  }

  protected enter(col: number): void {
    if (++this.depth > this.maxDepth) {
      throw whereSyntaxError(`expression nested too deeply (at most ${this.maxDepth} levels)`, col);
    }
  }
}

export function describe(t: Token): string {
  switch (t.kind) {
    case "eof":
      return "the end of the expression";
    case "str":
      return `string ${JSON.stringify(t.text)}`;
    case "field":
      return `\`.${t.text}\``;
    case "var":
      return `\`$${t.text}\``;
    default:
      return `\`${t.text}\``;
  }
}

/**
 * The parser of `where` expressions: tokens to a syntax tree (ast.ts), by recursive descent
 * with jq's precedence, lowest first: `|` (right), `,`, `//` (right), `or`, `and`, comparisons
 * (non-associative), `+ -`, `* / %`, unary `-`, postfix terms (`.a`, `[e]`, `[a:b]`, `[]`, `?`,
 * `as $x | body`).
 *
 * Invariants: a program either parses completely into a tree or fails with a WhereSyntaxError
 * naming a column; calls are checked against the builtin table (name and arity) and the
 * refused builtins get their own message; variables are checked against their scopes; nesting
 * deeper than `maxDepth` is refused while parsing, so the recursion is bounded by it.
 */
import type { BinaryOp, Node } from "./ast.js";
import { whereSyntaxError } from "./errors.js";
import { lex } from "./lexer.js";
import { TermParser } from "./parser/terms.js";

const COMPARISONS = new Set(["==", "!=", "<", "<=", ">", ">="]);

/**
 * The precedence-climbing levels from `|` down to unary `-`; the terms below them are
 * parser/terms.ts and parser/forms.ts, the token cursor parser/cursor.ts.
 */
class Parser extends TermParser {
  parseProgram(): Node {
    const node = this.pipe(false);
    const t = this.peek();
    if (t.kind !== "eof") throw this.unexpected(t);
    return node;
  }

  /** `a | b`, right-associative; `noComma` inside object values, where `,` ends the entry. */
  protected pipe(noComma: boolean): Node {
    this.enter(this.peek().col);
    const left = this.comma(noComma);
    let node = left;
    if (this.isPunct("|")) {
      this.next();
      node = { t: "pipe", left, right: this.pipe(noComma) };
    }
    this.depth--;
    return node;
  }

  private comma(noComma: boolean): Node {
    let node = this.alt(noComma);
    while (!noComma && this.isPunct(",")) {
      this.next();
      node = { t: "comma", left: node, right: this.alt(noComma) };
    }
    return node;
  }

  private alt(noComma: boolean): Node {
    const left = this.or(noComma);
    if (!this.isPunct("//")) return left;
    this.next();
    this.enter(this.peek().col);
    const node: Node = { t: "alt", left, right: this.alt(noComma) };
    this.depth--;
    return node;
  }
  /** A left-associative chain of the keyword operator `op` (`or`, `and`) over `operand`. */
  private keywordChain(op: "or" | "and", operand: () => Node): Node {
    let node = operand();
    while (this.isKeyword(op)) {
      this.next();
      node = { t: op, left: node, right: operand() };
    }
    return node;
  }

  private or(noComma: boolean): Node {
    return this.keywordChain("or", () => this.and(noComma));
  }

  private and(noComma: boolean): Node {
    return this.keywordChain("and", () => this.compare(noComma));
  }

  private compare(noComma: boolean): Node {
    const left = this.additive(noComma);
    const t = this.peek();
    if (t.kind !== "punct" || !COMPARISONS.has(t.text)) return left;
    this.next();
    const node: Node = {
      t: "binary",
      op: t.text as BinaryOp,
      left,
      right: this.additive(noComma),
    };
    const u = this.peek();
    if (u.kind === "punct" && COMPARISONS.has(u.text)) {
      throw whereSyntaxError(
        `comparisons do not chain: parenthesise, e.g. \`(a ${t.text} b) ${u.text} c\``,
        u.col,
      );
    }
    return node;
  }

  private additive(noComma: boolean): Node {
    let node = this.multiplicative(noComma);
    while (this.isPunct("+") || this.isPunct("-")) {
      const op = this.next().text as BinaryOp;
      node = { t: "binary", op, left: node, right: this.multiplicative(noComma) };
    }
    return node;
  }

  private multiplicative(noComma: boolean): Node {
    let node = this.unary(noComma);
    while (this.isPunct("*") || this.isPunct("/") || this.isPunct("%")) {
      const op = this.next().text as BinaryOp;
      node = { t: "binary", op, left: node, right: this.unary(noComma) };
    }
    return node;
  }

  private unary(noComma: boolean): Node {
    if (this.isPunct("-")) {
      const t = this.next();
      this.enter(t.col);
      const node: Node = { t: "neg", body: this.unary(noComma) };
      this.depth--;
      return node;
    }
    return this.postfix(noComma, true);
  }
}

/** The syntax tree of one expression (WhereSyntaxError on a bad one). */
export function parse(src: string, maxDepth: number): Node {
  return new Parser(lex(src), maxDepth).parseProgram();
}

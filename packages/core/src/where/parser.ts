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
import type { BinaryOp, Node, ObjectEntry } from "./ast.js";
import { builtinArities, refusedBuiltin } from "./builtin-names.js";
import { whereSyntaxError } from "./errors.js";
import { lex, type Token } from "./lexer.js";

const COMPARISONS = new Set(["==", "!=", "<", "<=", ">", ">="]);

class Parser {
  private pos = 0;
  private depth = 0;
  private readonly scopes: string[] = [];

  constructor(
    private readonly tokens: Token[],
    private readonly maxDepth: number,
  ) {}

  parseProgram(): Node {
    const node = this.pipe(false);
    const t = this.peek();
    if (t.kind !== "eof") throw this.unexpected(t);
    return node;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== "eof") this.pos++;
    return t;
  }

  private isPunct(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === "punct" && t.text === text;
  }

  private isKeyword(text: string): boolean {
    const t = this.peek();
    return t.kind === "keyword" && t.text === text;
  }

  private expectPunct(text: string): Token {
    const t = this.next();
    if (t.kind !== "punct" || t.text !== text) {
      throw whereSyntaxError(`expected \`${text}\` but found ${describe(t)}`, t.col);
    }
    return t;
  }

  private expectKeyword(text: string): void {
    const t = this.next();
    if (t.kind !== "keyword" || t.text !== text) {
      throw whereSyntaxError(`expected \`${text}\` but found ${describe(t)}`, t.col);
    }
  }

  private unexpected(t: Token): Error {
    return whereSyntaxError(`unexpected ${describe(t)}`, t.col);
  }

  private enter(col: number): void {
    if (++this.depth > this.maxDepth) {
      throw whereSyntaxError(`expression nested too deeply (at most ${this.maxDepth} levels)`, col);
    }
  }

  /** `a | b`, right-associative; `noComma` inside object values, where `,` ends the entry. */
  private pipe(noComma: boolean): Node {
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

  private or(noComma: boolean): Node {
    let node = this.and(noComma);
    while (this.isKeyword("or")) {
      this.next();
      node = { t: "or", left: node, right: this.and(noComma) };
    }
    return node;
  }

  private and(noComma: boolean): Node {
    let node = this.compare(noComma);
    while (this.isKeyword("and")) {
      this.next();
      node = { t: "and", left: node, right: this.compare(noComma) };
    }
    return node;
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

  /** A primary term and its suffixes; with `allowAs`, a trailing `as $x | body`. */
  private postfix(noComma: boolean, allowAs: boolean): Node {
    this.enter(this.peek().col);
    let node = this.primary();
    for (;;) {
      const t = this.peek();
      if (t.kind === "field") {
        this.next();
        node = { t: "index", target: node, key: { t: "literal", value: t.text } };
      } else if (t.kind === "punct" && t.text === "." && this.isPunct("[", 1)) {
        this.next();
      } else if (t.kind === "punct" && t.text === "[") {
        node = this.bracketSuffix(node);
      } else if (t.kind === "punct" && t.text === "?") {
        this.next();
        node = { t: "try", body: node, handler: undefined };
      } else break;
    }
    if (allowAs && this.isKeyword("as")) {
      this.next();
      const name = this.variableName();
      this.expectPunct("|");
      this.scopes.push(name);
      const body = this.pipe(noComma);
      this.scopes.pop();
      node = { t: "as", source: node, name, body };
    }
    this.depth--;
    return node;
  }

  private variableName(): string {
    const t = this.next();
    if (t.kind === "punct" && (t.text === "[" || t.text === "{")) {
      throw whereSyntaxError("destructuring patterns are not supported: bind one `$name`", t.col);
    }
    if (t.kind !== "var")
      throw whereSyntaxError(`expected \`$name\` but found ${describe(t)}`, t.col);
    return t.text;
  }

  /** `[]`, `[e]`, `[a:b]`, `[a:]`, `[:b]` after a term. */
  private bracketSuffix(target: Node): Node {
    this.expectPunct("[");
    if (this.isPunct("]")) {
      this.next();
      return { t: "iterate", target };
    }
    if (this.isPunct(":")) {
      this.next();
      const to = this.pipe(false);
      this.expectPunct("]");
      return { t: "slice", target, from: undefined, to };
    }
    const key = this.pipe(false);
    if (this.isPunct(":")) {
      this.next();
      const to = this.isPunct("]") ? undefined : this.pipe(false);
      this.expectPunct("]");
      return { t: "slice", target, from: key, to };
    }
    this.expectPunct("]");
    return { t: "index", target, key };
  }

  private primary(): Node {
    const t = this.next();
    switch (t.kind) {
      case "num":
        return { t: "literal", value: t.value };
      case "str":
        return { t: "literal", value: t.text };
      case "field":
        return { t: "index", target: { t: "identity" }, key: { t: "literal", value: t.text } };
      case "var":
        return this.variable(t);
      case "ident":
        return this.call(t);
      case "keyword":
        return this.keywordTerm(t);
      case "punct":
        break;
      case "eof":
        throw whereSyntaxError("unexpected end of the expression", t.col);
    }
    switch (t.text) {
      case ".":
        return { t: "identity" };
      case "..":
        return { t: "recurse" };
      case "(": {
        const body = this.pipe(false);
        this.expectPunct(")");
        return body;
      }
      case "[": {
        if (this.isPunct("]")) {
          this.next();
          return { t: "array", body: undefined };
        }
        const body = this.pipe(false);
        this.expectPunct("]");
        return { t: "array", body };
      }
      case "{":
        return this.object();
      default:
        throw this.unexpected(t);
    }
  }

  private variable(t: Token): Node {
    if (t.text === "ENV") {
      throw whereSyntaxError("`$ENV` is not available in where expressions", t.col);
    }
    if (!this.scopes.includes(t.text)) {
      throw whereSyntaxError(
        `\`$${t.text}\` is not defined (bind it with \`… as $${t.text} | …\`)`,
        t.col,
      );
    }
    return { t: "var", name: t.text };
  }

  private call(t: Token): Node {
    if (t.text === "true") return { t: "literal", value: true };
    if (t.text === "false") return { t: "literal", value: false };
    if (t.text === "null") return { t: "literal", value: null };
    const args: Node[] = [];
    if (this.isPunct("(")) {
      this.next();
      args.push(this.pipe(false));
      while (this.isPunct(";")) {
        this.next();
        args.push(this.pipe(false));
      }
      this.expectPunct(")");
    }
    const refused = refusedBuiltin(t.text);
    if (refused !== undefined) {
      throw whereSyntaxError(
        `\`${t.text}\` is not available in where expressions (${refused})`,
        t.col,
      );
    }
    const arities = builtinArities(t.text);
    if (arities === undefined) {
      throw whereSyntaxError(`unknown function \`${t.text}/${args.length}\``, t.col);
    }
    if (!arities.includes(args.length)) {
      throw whereSyntaxError(
        `\`${t.text}\` takes ${arities.join(" or ")} argument${arities.length === 1 && arities[0] === 1 ? "" : "s"}, not ${args.length}`,
        t.col,
      );
    }
    return { t: "call", name: t.text, args, col: t.col };
  }

  private keywordTerm(t: Token): Node {
    switch (t.text) {
      case "if":
        return this.ifTerm();
      case "try": {
        const body = this.postfix(false, false);
        let handler: Node | undefined;
        if (this.isKeyword("catch")) {
          this.next();
          handler = this.postfix(false, false);
        }
        return { t: "try", body, handler };
      }
      case "reduce": {
        const source = this.postfix(false, false);
        this.expectKeyword("as");
        const name = this.variableName();
        this.expectPunct("(");
        const init = this.pipe(false);
        this.expectPunct(";");
        this.scopes.push(name);
        const update = this.pipe(false);
        this.scopes.pop();
        this.expectPunct(")");
        return { t: "reduce", source, name, init, update };
      }
      case "foreach": {
        const source = this.postfix(false, false);
        this.expectKeyword("as");
        const name = this.variableName();
        this.expectPunct("(");
        const init = this.pipe(false);
        this.expectPunct(";");
        this.scopes.push(name);
        const update = this.pipe(false);
        let extract: Node | undefined;
        if (this.isPunct(";")) {
          this.next();
          extract = this.pipe(false);
        }
        this.scopes.pop();
        this.expectPunct(")");
        return { t: "foreach", source, name, init, update, extract };
      }
      case "def":
        throw whereSyntaxError("function definitions (`def`) are not supported", t.col);
      case "label":
        throw whereSyntaxError("`label`/`break` are not supported", t.col);
      case "import":
      case "include":
        throw whereSyntaxError(`\`${t.text}\` (modules) is not supported`, t.col);
      default:
        throw this.unexpected(t);
    }
  }

  private ifTerm(): Node {
    const cond = this.pipe(false);
    this.expectKeyword("then");
    const then = this.pipe(false);
    let otherwise: Node | undefined;
    if (this.isKeyword("elif")) {
      this.next();
      otherwise = this.ifTerm();
      return { t: "if", cond, then, else: otherwise };
    }
    if (this.isKeyword("else")) {
      this.next();
      otherwise = this.pipe(false);
    }
    this.expectKeyword("end");
    return { t: "if", cond, then, else: otherwise };
  }

  private object(): Node {
    const entries: ObjectEntry[] = [];
    if (this.isPunct("}")) {
      this.next();
      return { t: "object", entries };
    }
    for (;;) {
      entries.push(this.objectEntry());
      const t = this.next();
      if (t.kind === "punct" && t.text === "}") return { t: "object", entries };
      if (t.kind !== "punct" || t.text !== ",") {
        throw whereSyntaxError(`expected \`,\` or \`}\` but found ${describe(t)}`, t.col);
      }
    }
  }

  private objectEntry(): ObjectEntry {
    const t = this.next();
    let key: Node;
    let shorthand: Node | undefined;
    if (t.kind === "var") {
      if (this.isPunct(":")) throw whereSyntaxError("a `$name` key takes no value", t.col);
      return { key: { t: "literal", value: t.text }, value: this.variable(t) };
    }
    if (t.kind === "ident" || t.kind === "keyword" || t.kind === "str") {
      key = { t: "literal", value: t.text };
      shorthand = {
        t: "index",
        target: { t: "identity" },
        key: { t: "literal", value: t.text },
      };
    } else if (t.kind === "num") {
      throw whereSyntaxError("object keys must be strings: quote the number", t.col);
    } else if (t.kind === "punct" && t.text === "(") {
      key = this.pipe(false);
      this.expectPunct(")");
    } else {
      throw whereSyntaxError(`expected an object key but found ${describe(t)}`, t.col);
    }
    if (!this.isPunct(":")) {
      if (shorthand === undefined) {
        throw whereSyntaxError("a computed key `(…)` needs a value: `(k): v`", this.peek().col);
      }
      return { key, value: shorthand };
    }
    this.next();
    return { key, value: this.pipe(true) };
  }
}

function describe(t: Token): string {
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

/** The syntax tree of one expression (WhereSyntaxError on a bad one). */
export function parse(src: string, maxDepth: number): Node {
  return new Parser(lex(src), maxDepth).parseProgram();
}

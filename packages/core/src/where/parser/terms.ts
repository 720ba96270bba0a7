/**
 * The terms of the `where` parser: primary terms (literals, `.`, `..`, `(e)`, `[e]`, `{…}`,
 * variables, keyword forms, builtin calls) and their postfix suffixes (`.a`, `[e]`, `[a:b]`,
 * `[]`, `?`, `as $x | body`).
 *
 * Invariants: every call is checked against the builtin table (name and arity) and the refused
 * builtins get their own message, at compile time; `postfix` enters one nesting level and
 * leaves it before returning.
 */
import type { Node } from "../ast.js";
import { builtinArities, refusedBuiltin } from "../builtin-names.js";
import { whereSyntaxError } from "../errors.js";
import type { Token } from "../lexer.js";
import { FormParser } from "./forms.js";

export abstract class TermParser extends FormParser {
  /** A primary term and its suffixes; with `allowAs`, a trailing `as $x | body`. */
  protected postfix(noComma: boolean, allowAs: boolean): Node {
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

  /** `[]`, `[e]`, `[a:b]`, `[a:]`, `[:b]` after a term. */
  protected bracketSuffix(target: Node): Node {
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

  protected primary(): Node {
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

  protected call(t: Token): Node {
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
}

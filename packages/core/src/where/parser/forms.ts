/**
 * The keyword forms and literals of the `where` parser: `if … then … end`, `try … catch`,
 * `reduce`/`foreach`, variables and `as $name` bindings, and object literals `{k: v, …}`.
 *
 * Invariants: a variable is accepted only inside a scope that binds it (`scopes`), and a binding
 * is in scope only for its body; unsupported jq forms (`def`, `label`, modules, destructuring,
 * `$ENV`) are refused with their own message; object values are parsed with `noComma`, so `,`
 * ends an entry.
 */
import type { Node, ObjectEntry } from "../ast.js";
import { whereSyntaxError } from "../errors.js";
import type { Token } from "../lexer.js";
import { describe, TokenCursor } from "./cursor.js";

export abstract class FormParser extends TokenCursor {
  /** `a | b` (parser.ts). */
  protected abstract pipe(noComma: boolean): Node;

  /** A primary term and its suffixes (terms.ts). */
  protected abstract postfix(noComma: boolean, allowAs: boolean): Node;

  protected variableName(): string {
    const t = this.next();
    if (t.kind === "punct" && (t.text === "[" || t.text === "{")) {
      throw whereSyntaxError("destructuring patterns are not supported: bind one `$name`", t.col);
    }
    if (t.kind !== "var")
      throw whereSyntaxError(`expected \`$name\` but found ${describe(t)}`, t.col);
    return t.text;
  }

  protected variable(t: Token): Node {
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

  protected keywordTerm(t: Token): Node {
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

  protected ifTerm(): Node {
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

  protected object(): Node {
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

  protected objectEntry(): ObjectEntry {
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

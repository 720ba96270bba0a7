/**
 * The syntax tree of `where` expressions, produced by parser.ts and run by evaluate.ts.
 *
 * Invariants: the tree is immutable once parsed; every function call names a builtin that
 * exists with that arity (checked by the parser); every variable reference is bound by an
 * enclosing `as`, `reduce` or `foreach` (checked by the parser); `col` is the 1-based column
 * of the construct in the expression text.
 */

export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "==" | "!=" | "<" | "<=" | ">" | ">=";

export type Node =
  | { t: "identity" }
  | { t: "recurse" }
  | { t: "literal"; value: unknown }
  | { t: "index"; target: Node; key: Node }
  | { t: "slice"; target: Node; from: Node | undefined; to: Node | undefined }
  | { t: "iterate"; target: Node }
  | { t: "array"; body: Node | undefined }
  | { t: "object"; entries: ObjectEntry[] }
  | { t: "neg"; body: Node }
  | { t: "pipe"; left: Node; right: Node }
  | { t: "comma"; left: Node; right: Node }
  | { t: "binary"; op: BinaryOp; left: Node; right: Node }
  | { t: "and"; left: Node; right: Node }
  | { t: "or"; left: Node; right: Node }
  | { t: "alt"; left: Node; right: Node }
  | { t: "if"; cond: Node; then: Node; else: Node | undefined }
  | { t: "try"; body: Node; handler: Node | undefined }
  | { t: "as"; source: Node; name: string; body: Node }
  | { t: "reduce"; source: Node; name: string; init: Node; update: Node }
  | {
      t: "foreach";
      source: Node;
      name: string;
      init: Node;
      update: Node;
      extract: Node | undefined;
    }
  | { t: "var"; name: string }
  | { t: "call"; name: string; args: Node[]; col: number };

export interface ObjectEntry {
  key: Node;
  value: Node;
}

/** Depth of the tree (a leaf is 1), without recursion limits of its own: trees are small. */
export function depthOf(node: Node): number {
  let max = 0;
  for (const child of children(node)) max = Math.max(max, depthOf(child));
  return max + 1;
}

function children(node: Node): Node[] {
  switch (node.t) {
    case "identity":
    case "recurse":
    case "literal":
    case "var":
      return [];
    case "index":
      return [node.target, node.key];
    case "slice":
      return [node.target, ...(node.from ? [node.from] : []), ...(node.to ? [node.to] : [])];
    case "iterate":
      return [node.target];
    case "array":
      return node.body ? [node.body] : [];
    case "object":
      return node.entries.flatMap((e) => [e.key, e.value]);
    case "neg":
      return [node.body];
    case "pipe":
    case "comma":
    case "binary":
    case "and":
    case "or":
    case "alt":
      return [node.left, node.right];
    case "if":
      return [node.cond, node.then, ...(node.else ? [node.else] : [])];
    case "try":
      return [node.body, ...(node.handler ? [node.handler] : [])];
    case "as":
      return [node.source, node.body];
    case "reduce":
      return [node.source, node.init, node.update];
    case "foreach":
      return [node.source, node.init, node.update, ...(node.extract ? [node.extract] : [])];
    case "call":
      return node.args;
  }
}

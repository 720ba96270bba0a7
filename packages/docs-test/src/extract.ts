/**
 * Extracts fenced code blocks from Markdown, with the doc-test directives written right above
 * each fence as HTML comments (`<!-- doctest: KEY: VALUE -->`, one per line; blank lines may
 * sit between them and the fence). Pure: text in, blocks out.
 *
 * Directives (see ../README.md): `skip: REASON`, `setup: SHELL`, `long-running: REASON`,
 * `exit: N`, `stdout: TEXT`, `stderr: TEXT`, `sandbox: LABEL`, `run: node` (a `js` block),
 * `needs: CMD …` (tools beyond bash, node and curl). An unknown key or a `skip`/`long-running` without
 * a reason is reported as an error on the block, so a typo can never silently disable a check.
 */

export interface Directives {
  skip?: string;
  longRunning?: string;
  /** This block starts a new, independent sandbox (its label names the sequence). */
  sandbox?: string;
  /** A `js` block to run as an ES module with node. */
  runNode?: boolean;
  /** Commands the block needs on PATH (jq, make, …); without one it is skipped, saying so. */
  needs: string[];
  setup: string[];
  exit?: number;
  /** Texts (or, written as /…/, multi-line regular expressions) the output must contain. */
  stdout: Array<string | RegExp>;
  stderr: Array<string | RegExp>;
}

export interface Block {
  /** 1-based line of the opening fence. */
  line: number;
  /** The first word of the info string (`sh`, `json`, …), or "" for a bare fence. */
  lang: string;
  /** The block's text, with the fence's indentation removed. */
  code: string;
  directives: Directives;
  /** Problems with the directives (unknown key, missing reason). */
  errors: string[];
}

const FENCE = /^( *)(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;
const DIRECTIVE = /^\s*<!--\s*doctest:\s*([a-z-]+)\s*(?::\s*([\s\S]*?))?\s*-->\s*$/;

export function extractBlocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, indent = "", fence = "", lang = ""] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j]!;
      const close = FENCE.exec(line);
      if (close && close[2]!.startsWith(fence[0]!) && close[2]!.length >= fence.length && !close[3])
        break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    const { directives, errors } = parseDirectives(commentsAbove(lines, i));
    blocks.push({
      line: i + 1,
      lang: lang.toLowerCase(),
      code: body.join("\n"),
      directives,
      errors,
    });
    i = j;
  }
  return blocks;
}

/** The doctest comment lines directly above line `fence` (blank lines between are allowed). */
function commentsAbove(lines: string[], fence: number): string[] {
  const found: string[] = [];
  for (let k = fence - 1; k >= 0; k--) {
    const line = lines[k]!;
    if (line.trim() === "") continue;
    if (!DIRECTIVE.test(line)) break;
    found.unshift(line);
  }
  return found;
}

function parseDirectives(comments: string[]): { directives: Directives; errors: string[] } {
  const directives: Directives = { setup: [], stdout: [], stderr: [], needs: [] };
  const errors: string[] = [];
  for (const comment of comments) {
    const [, key = "", value = ""] = DIRECTIVE.exec(comment)!;
    switch (key) {
      case "skip":
      case "long-running":
        if (!value) errors.push(`doctest ${key} needs a reason: <!-- doctest: ${key}: WHY -->`);
        if (key === "skip") directives.skip = value;
        else directives.longRunning = value;
        break;
      case "setup":
        directives.setup.push(value);
        break;
      case "needs":
        if (!value) errors.push("doctest needs takes command names: <!-- doctest: needs: jq -->");
        directives.needs.push(...value.split(/\s+/).filter(Boolean));
        break;
      case "run":
        if (value !== "node") errors.push(`doctest run takes "node", got "${value}"`);
        directives.runNode = true;
        break;
      case "sandbox":
        if (!value) errors.push("doctest sandbox needs a label: <!-- doctest: sandbox: NAME -->");
        directives.sandbox = value;
        break;
      case "exit":
        if (!/^\d+$/.test(value)) errors.push(`doctest exit needs a number, got "${value}"`);
        directives.exit = Number(value);
        break;
      case "stdout":
      case "stderr":
        if (!value) errors.push(`doctest ${key} needs the text to look for`);
        directives[key].push(textOrPattern(value));
        break;
      default:
        errors.push(`unknown doctest directive "${key}"`);
    }
  }
  return { directives, errors };
}

function textOrPattern(value: string): string | RegExp {
  return value.length > 2 && value.startsWith("/") && value.endsWith("/")
    ? new RegExp(value.slice(1, -1), "m")
    : value;
}

/** Languages whose blocks are shell commands a reader may paste. */
export const SHELL_LANGS = new Set(["sh", "bash", "shell", "console"]);

/**
 * The one-line editor of the views' prompts (filter, tags, jump): a text and a caret, edited by
 * key presses as ink reports them.
 *
 * Invariants: pure (a key and a state give the next state); Enter submits, Esc cancels; a paste
 * (several characters in one input) is inserted whole; control characters are never inserted.
 */
import type { Key } from "ink";

export interface PromptState {
  text: string;
  /** Caret position, in UTF-16 units, 0..text.length. */
  caret: number;
}

export type PromptStep =
  | { kind: "edit"; state: PromptState }
  | { kind: "submit"; text: string }
  | { kind: "cancel" };

export function promptOf(text: string): PromptState {
  return { text, caret: text.length };
}

export function editPrompt(state: PromptState, input: string, key: Key): PromptStep {
  const { text, caret } = state;
  if (key.return) return { kind: "submit", text };
  if (key.escape) return { kind: "cancel" };
  if (key.leftArrow) return { kind: "edit", state: { text, caret: Math.max(0, caret - 1) } };
  if (key.rightArrow) {
    return { kind: "edit", state: { text, caret: Math.min(text.length, caret + 1) } };
  }
  if (key.home || (key.ctrl && input === "a")) return { kind: "edit", state: { text, caret: 0 } };
  if (key.end || (key.ctrl && input === "e")) {
    return { kind: "edit", state: { text, caret: text.length } };
  }
  if (key.ctrl && input === "u") return { kind: "edit", state: { text: "", caret: 0 } };
  if (key.backspace || key.delete) {
    // terminals send DEL (0x7f) for Backspace, which ink reports as `delete`
    if (caret === 0) return { kind: "edit", state };
    return {
      kind: "edit",
      state: { text: text.slice(0, caret - 1) + text.slice(caret), caret: caret - 1 },
    };
  }
  if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow) {
    return { kind: "edit", state };
  }
  const typed = input.replace(/[\u0000-\u001f\u007f]/g, "");
  if (typed === "") return { kind: "edit", state };
  return {
    kind: "edit",
    state: { text: text.slice(0, caret) + typed + text.slice(caret), caret: caret + typed.length },
  };
}

/** A Key with nothing pressed but what `pressed` names. */
function keyOf(pressed: Partial<Key>): Key {
  return {
    upArrow: false,
    downArrow: false,
    leftArrow: false,
    rightArrow: false,
    pageDown: false,
    pageUp: false,
    home: false,
    end: false,
    return: false,
    escape: false,
    ctrl: false,
    shift: false,
    tab: false,
    backspace: false,
    delete: false,
    meta: false,
    super: false,
    hyper: false,
    capsLock: false,
    numLock: false,
    ...pressed,
  };
}

/**
 * One input event as single key presses: ink hands over a run of characters that arrived
 * together (a paste, keys typed faster than they were read) as one input, and the views act on
 * one key at a time (`q` in a run still quits, Enter after pasted text still submits).
 */
export function keyPresses(input: string, key: Key): [string, Key][] {
  const chars = Array.from(input);
  if (chars.length <= 1 || key.ctrl || key.meta) return [[input, key]];
  return chars.map((ch): [string, Key] => {
    if (ch === "\r" || ch === "\n") return ["", keyOf({ return: true })];
    if (ch === "\u007f" || ch === "\b") return ["", keyOf({ backspace: true })];
    if (ch === "\t") return ["", keyOf({ tab: true })];
    return [ch, keyOf({})];
  });
}

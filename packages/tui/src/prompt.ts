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

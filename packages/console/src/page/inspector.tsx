/**
 * The message inspector: one message's envelope, pretty-printed from the stored text
 * (pretty.ts), and a button copying the envelope exactly as stored (its JSON line, with `data`'s
 * stored text spliced in). Nothing is re-encoded: big integers and number spellings survive.
 *
 * Invariants: shows only what the row holds (no request); copying writes text to the clipboard
 * and never reads it.
 */
import { useState } from "preact/hooks";
import { prettyJson } from "./pretty.js";
import type { MessageRow } from "./rows.js";

/** The envelope's JSON line (spec/http §2.1 key order) with the stored data text. */
export function envelopeLine(row: MessageRow): string {
  return `{"seq":${row.seq},"time":${JSON.stringify(row.time)},"meta":{"tags":${JSON.stringify(row.tags)}},"data":${row.text}}`;
}

export function Inspector(props: { row: MessageRow; onClose: () => void }) {
  const [copied, setCopied] = useState<string | undefined>(undefined);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(envelopeLine(props.row));
      setCopied("copied");
    } catch {
      setCopied("the browser refused the clipboard: select the text instead");
    }
  };
  return (
    <aside class="inspector card" id="inspector" data-seq={props.row.seq}>
      <div class="bar">
        <strong>message {props.row.seq}</strong>
        <button type="button" id="copy-envelope" onClick={copy}>
          Copy envelope
        </button>
        <button type="button" class="link" onClick={props.onClose}>
          close
        </button>
        {copied && (
          <span class="muted" id="copy-status">
            {copied}
          </span>
        )}
      </div>
      <pre id="inspector-json">{prettyJson(envelopeLine(props.row))}</pre>
    </aside>
  );
}

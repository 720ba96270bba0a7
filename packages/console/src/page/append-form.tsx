/**
 * The append form: data (JSON text) and tags, appended with the SDK's appendJson (the text is
 * stored as typed, not re-encoded). Shown only when the access mode allows writing.
 *
 * Invariants: the data is checked to be JSON before anything is sent; the answer (the committed
 * seq, or the server's error with its hint) is shown beside the form; a 401 goes up.
 */
import type { RemotePool } from "@spool/client";
import { useState } from "preact/hooks";
import { parseTags } from "./filter.js";
import { isUnauthorized } from "./session.js";

export function AppendForm(props: { pool: RemotePool; onUnauthorized: () => void }) {
  const [data, setData] = useState('{"hello": "world"}');
  const [tags, setTags] = useState("");
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>(undefined);

  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      JSON.parse(data);
    } catch (e) {
      setResult({ ok: false, text: `data is not JSON: ${(e as Error).message}` });
      return;
    }
    try {
      const message = await props.pool.appendJson(data, { tags: parseTags(tags) });
      setResult({ ok: true, text: `appended seq ${message.seq}` });
    } catch (e) {
      if (isUnauthorized(e)) return props.onUnauthorized();
      const error = e as Error & { hint?: string };
      setResult({
        ok: false,
        text: error.hint ? `${error.message} (${error.hint})` : error.message,
      });
    }
  };

  return (
    <form class="append card" id="append-form" onSubmit={submit}>
      <strong>Append</strong>
      <textarea
        id="append-data"
        rows={3}
        spellcheck={false}
        value={data}
        onInput={(e) => setData((e.target as HTMLTextAreaElement).value)}
      />
      <input
        id="append-tags"
        placeholder="tags (comma separated)"
        value={tags}
        onInput={(e) => setTags((e.target as HTMLInputElement).value)}
      />
      <button type="submit">Append</button>
      {result && (
        <span class={result.ok ? "muted" : "error"} id="append-result">
          {result.text}
        </span>
      )}
    </form>
  );
}

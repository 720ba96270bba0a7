/**
 * The token prompt: shown when the server answered 401. Checks the token against
 * `GET /v0/access` before keeping it (so a typo is refused here, not on every later request).
 *
 * Invariants: the token is passed up only once the server accepted it; the input is a password
 * field (not echoed, not autocompleted into history).
 */
import { useState } from "preact/hooks";
import { type AccessInfo, isUnauthorized, readAccess } from "./session.js";

export function TokenPrompt(props: {
  retry: boolean;
  onToken: (token: string, access: AccessInfo) => void;
}) {
  const [value, setValue] = useState("");
  const [message, setMessage] = useState<string | undefined>(
    props.retry ? "the stored token was refused; enter another" : undefined,
  );
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const token = value.trim();
    if (token === "") return;
    setBusy(true);
    try {
      props.onToken(token, await readAccess(token));
    } catch (e) {
      setMessage(isUnauthorized(e) ? "this token was refused" : (e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="token card" id="token-form" onSubmit={submit}>
      <h2>This server needs a token</h2>
      <p class="muted">
        It is kept for this tab only (sessionStorage) and sent only to this server.
      </p>
      <input
        id="token"
        type="password"
        autocomplete="off"
        placeholder="bearer token"
        value={value}
        onInput={(e) => setValue((e.target as HTMLInputElement).value)}
      />
      <button type="submit" disabled={busy}>
        Use token
      </button>
      {message && <p class="error">{message}</p>}
    </form>
  );
}

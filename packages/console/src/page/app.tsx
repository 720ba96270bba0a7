/**
 * The console app: asks for a token when the server wants one, learns the caller's access mode,
 * then shows the pool list (`#/`) or one pool (`#/pool/NAME`).
 *
 * Invariants: nothing is requested from any origin but the page's own; the token lives in
 * sessionStorage only (session.ts); any 401 later (an expired or revoked token) brings the
 * token prompt back; routes come from the location hash, so reloading keeps the view.
 */
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { PoolList } from "./pool-list.js";
import { PoolView } from "./pool-view.js";
import {
  type AccessInfo,
  isUnauthorized,
  makeClient,
  readAccess,
  storedToken,
  storeToken,
} from "./session.js";
import { TokenPrompt } from "./token-prompt.js";

function currentRoute(): { pool: string | undefined } {
  const match = /^#\/pool\/(.+)$/.exec(location.hash);
  return { pool: match ? decodeURIComponent(match[1] as string) : undefined };
}

export function App() {
  const [token, setToken] = useState<string | undefined>(storedToken());
  const [access, setAccess] = useState<AccessInfo | undefined>(undefined);
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [route, setRoute] = useState(currentRoute());

  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);

  useEffect(() => {
    let live = true;
    readAccess(token).then(
      (info) => {
        if (!live) return;
        setAccess(info);
        setAsking(false);
        setError(undefined);
      },
      (e: unknown) => {
        if (!live) return;
        if (isUnauthorized(e)) {
          if (token !== undefined) storeToken(undefined);
          setAsking(true);
        } else setError((e as Error).message);
      },
    );
    return () => {
      live = false;
    };
  }, [token]);

  const client = useMemo(() => makeClient(token), [token]);
  const onUnauthorized = useCallback(() => {
    storeToken(undefined);
    setAccess(undefined);
    setAsking(true);
  }, []);
  const onToken = useCallback((next: string, info: AccessInfo) => {
    storeToken(next);
    setToken(next);
    setAccess(info);
    setAsking(false);
  }, []);

  let body: ComponentChildren;
  if (asking) body = <TokenPrompt retry={token !== undefined} onToken={onToken} />;
  else if (error !== undefined) body = <p class="error">{error}</p>;
  else if (access === undefined) body = <p class="muted">connecting…</p>;
  else if (route.pool !== undefined) {
    body = (
      <PoolView
        key={route.pool}
        client={client}
        name={route.pool}
        access={access.access}
        onUnauthorized={onUnauthorized}
      />
    );
  } else body = <PoolList client={client} onUnauthorized={onUnauthorized} />;

  return (
    <>
      <header class="top">
        <a href="#/" class="brand">
          spool
        </a>
        <span class="muted">console</span>
        {access && (
          <span class="access" data-access={access.access}>
            {access.access}
          </span>
        )}
        {token !== undefined && access && (
          <button type="button" class="link" onClick={onUnauthorized}>
            forget token
          </button>
        )}
      </header>
      <main>{body}</main>
    </>
  );
}

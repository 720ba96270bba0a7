/**
 * Test helper: a client whose every request fails the test's expectation (it counts them), for
 * checks that must refuse bad input before anything is sent.
 */
import { createClient, type SpoolClient } from "../../src/index.js";

/** A client of an unreachable base URL; `requests()` tells how many requests it tried. */
export function offlineClient(): { client: SpoolClient; requests: () => number } {
  let requests = 0;
  const client = createClient({
    baseUrl: "http://127.0.0.1:9",
    fetch: async () => {
      requests++;
      throw new Error("no request should be sent");
    },
  });
  return { client, requests: () => requests };
}

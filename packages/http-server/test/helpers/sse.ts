/**
 * A small Server-Sent Events reader for tests: parses the event stream format (fields `event`,
 * `data`, `id`, `retry`, comments) the way EventSource does, from text or from a response body.
 *
 * Invariants: an event is dispatched at a blank line; `data` lines are joined with "\n"; a block
 * with only `retry` or comments dispatches nothing but is recorded (so tests can see `retry`).
 */

export interface SseEvent {
  /** `message` unless the block named another event type. */
  event: string;
  data: string;
  id: string | undefined;
  retry: number | undefined;
}

/** Parses one block (the lines between blank lines). */
function parseBlock(block: string): SseEvent | undefined {
  let event = "message";
  const data: string[] = [];
  let id: string | undefined;
  let retry: number | undefined;
  let fields = 0;
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    fields++;
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
    else if (field === "retry") retry = Number(value);
    else throw new Error(`unknown SSE field ${field}`);
  }
  if (fields === 0) return undefined;
  return { event, data: data.join("\n"), id, retry };
}

/** All events of a complete event stream text. */
export function parseSse(text: string): SseEvent[] {
  if (text.includes("\r")) throw new Error("the server sent a CR");
  const out: SseEvent[] = [];
  const blocks = text.split("\n\n");
  if (blocks.at(-1) !== "")
    throw new Error(`stream does not end with a blank line: ${text.slice(-80)}`);
  for (const block of blocks.slice(0, -1)) {
    const event = parseBlock(block);
    if (event) out.push(event);
  }
  return out;
}

/**
 * Reads events from `res` until `stop(events)` is true or the stream ends; releases the reader
 * lock (the caller cancels or keeps reading).
 */
export async function readEvents(
  res: Response,
  stop: (events: SseEvent[]) => boolean,
): Promise<{ events: SseEvent[]; done: boolean }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const events: SseEvent[] = [];
  let done = false;
  while (!stop(events)) {
    const next = await reader.read();
    if (next.done) {
      done = true;
      break;
    }
    buffered += decoder.decode(next.value, { stream: true });
    let end = buffered.indexOf("\n\n");
    while (end >= 0) {
      const event = parseBlock(buffered.slice(0, end));
      if (event) events.push(event);
      buffered = buffered.slice(end + 2);
      end = buffered.indexOf("\n\n");
    }
  }
  reader.releaseLock();
  return { events, done };
}

// A minimal Redis client for the benchmark's Redis Streams peer: RESP2 over one TCP socket,
// pipelined (any number of commands written at once; replies come back in order). No
// dependency. Invariants: replies resolve their commands in the order the commands were sent;
// an error reply (`-ERR …`) rejects only its own command; a closed or failed socket rejects
// every pending command; bulk strings are returned as Buffers sliced from the bytes received
// (not decoded), simple strings as text, a null bulk or null array as null. Every call is
// bounded by a timeout.
import net from "node:net";

const INCOMPLETE = Symbol("incomplete");

/** Encodes one command (an array of strings or numbers) as a RESP array of bulk strings. */
export function encodeCommand(args) {
  let out = `*${args.length}\r\n`;
  for (const arg of args) {
    const text = String(arg);
    out += `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
  }
  return out;
}

/** The index of the CR of the next CRLF at or after `at`, or -1. */
function lineEnd(buf, at) {
  const cr = buf.indexOf(13, at);
  return cr < 0 || cr + 1 >= buf.length ? -1 : cr;
}

/**
 * Parses one reply at `at`: returns [value, next offset], or INCOMPLETE when the bytes do not
 * hold all of it yet. Error replies are returned as Error values.
 */
function parseReply(buf, at) {
  if (at >= buf.length) return INCOMPLETE;
  const end = lineEnd(buf, at + 1);
  if (end < 0) return INCOMPLETE;
  const type = buf[at];
  const line = buf.toString("latin1", at + 1, end);
  const next = end + 2;
  switch (type) {
    case 43: // +
      return [line, next];
    case 45: // -
      return [new Error(`redis: ${line}`), next];
    case 58: // :
      return [Number(line), next];
    case 36: {
      // $
      const len = Number(line);
      if (len < 0) return [null, next];
      if (next + len + 2 > buf.length) return INCOMPLETE;
      return [buf.subarray(next, next + len), next + len + 2];
    }
    case 42: {
      // *
      const count = Number(line);
      if (count < 0) return [null, next];
      const items = new Array(count);
      let pos = next;
      for (let i = 0; i < count; i++) {
        const r = parseReply(buf, pos);
        if (r === INCOMPLETE) return INCOMPLETE;
        items[i] = r[0];
        pos = r[1];
      }
      return [items, pos];
    }
    default:
      throw new Error(`redis: unexpected reply byte ${type} (${JSON.stringify(line)})`);
  }
}

export class RespClient {
  #socket;
  #pending = [];
  #buf = Buffer.alloc(0);
  #failed;
  #timeoutMs;

  constructor(socket, timeoutMs) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    socket.setNoDelay(true);
    socket.on("data", (chunk) => this.#onData(chunk));
    const fail = (error) => {
      this.#failed ??= error;
      for (const p of this.#pending.splice(0)) p.reject(this.#failed);
    };
    socket.on("error", fail);
    socket.on("close", () => fail(new Error("redis: connection closed")));
  }

  /** Connects to 127.0.0.1:`port`; rejects after `timeoutMs`. */
  static connect(port, { timeoutMs = 10_000 } = {}) {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`redis: no connection to 127.0.0.1:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve(new RespClient(socket, timeoutMs));
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  #onData(chunk) {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    let at = 0;
    while (this.#pending.length > 0) {
      let r;
      try {
        r = parseReply(this.#buf, at);
      } catch (error) {
        this.#socket.destroy(error);
        return;
      }
      if (r === INCOMPLETE) break;
      at = r[1];
      const p = this.#pending[0];
      p.replies.push(r[0]);
      if (p.replies.length === p.count) {
        this.#pending.shift();
        p.done();
      }
    }
    this.#buf = at >= this.#buf.length ? Buffer.alloc(0) : this.#buf.subarray(at);
  }

  /**
   * Sends every command in one write and resolves with their replies in order; rejects with
   * the first error reply once all have arrived.
   */
  pipeline(commands) {
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#socket.destroy(new Error(`redis: no reply within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#pending.push({
        count: commands.length,
        replies: [],
        done() {
          clearTimeout(timer);
          const error = this.replies.find((r) => r instanceof Error);
          if (error) reject(error);
          else resolve(this.replies);
        },
        reject(error) {
          clearTimeout(timer);
          reject(error);
        },
      });
      let out = "";
      for (const command of commands) out += encodeCommand(command);
      this.#socket.write(out);
    });
  }

  /** One command; resolves with its reply. */
  async call(...args) {
    const [reply] = await this.pipeline([args]);
    return reply;
  }

  close() {
    this.#socket.end();
    this.#socket.destroy();
  }
}

/** A RESP reply as text (a Buffer or a simple string). */
export function text(reply) {
  return Buffer.isBuffer(reply) ? reply.toString("latin1") : String(reply);
}

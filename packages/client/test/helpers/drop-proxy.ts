/**
 * A TCP proxy on loopback that loses answers: for a dropped request the server's answer (which
 * it sends only after committing) is discarded and both connections are destroyed, so the client
 * sees its connection fail with no answer, though the append was committed.
 *
 * Invariants: loopback only; only `POST …/append_batch` requests are ever dropped (a request
 * line seen on the connection marks it); `close()` destroys every connection it holds.
 */
import { createServer, type Server, Socket } from "node:net";

export interface DropProxy {
  url: string;
  /** Drops the answers of the next `n` append_batch requests. */
  dropNext(n: number): void;
  /** Drops each append_batch answer with probability `p` from now on (0: none). */
  dropRandomly(p: number): void;
  /** How many answers were dropped. */
  dropped(): number;
  close(): Promise<void>;
}

export async function dropProxy(port: number): Promise<DropProxy> {
  let toDrop = 0;
  let probability = 0;
  let dropped = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client);
    sockets.add(upstream);
    let drop = false;
    upstream.connect(port, "127.0.0.1");
    client.on("data", (chunk: Buffer) => {
      if (chunk.includes("/append_batch HTTP/1.1")) {
        if (toDrop > 0) {
          toDrop--;
          drop = true;
        } else if (probability > 0 && Math.random() < probability) drop = true;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (drop) {
        dropped++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on("close", end);
      socket.on("error", end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    dropNext: (n) => {
      toDrop = n;
    },
    dropRandomly: (p) => {
      probability = p;
    },
    dropped: () => dropped,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// A TCP port free on 127.0.0.1 right now, for peer servers the bench starts (redis-server and
// nats-server cannot listen on port 0 and report it back). Loopback only.
import net from "node:net";

/** A port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

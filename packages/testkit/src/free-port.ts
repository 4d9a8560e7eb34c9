import { createServer } from "node:net";

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: the kernel picks one for a listener on
 * port 0, which is closed again. Another process could take it before the caller binds it;
 * the start-up functions report that as a start-up failure with the server's log.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("The kernel did not report a TCP port for a listener on 127.0.0.1:0."));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

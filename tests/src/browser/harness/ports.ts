import { connect } from "node:net";
import { waitUntil } from "@latchkey/testkit";
import type { RunningChild } from "./child-process.js";

/** Resolves once 127.0.0.1:`port` accepts TCP connections; fails at once if `child` exits. */
export async function waitForPort(port: number, child: RunningChild, name: string): Promise<void> {
  await waitUntil(
    `${name} to accept connections on 127.0.0.1:${port}`,
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect({ host: "127.0.0.1", port });
        socket.once("connect", () => {
          socket.destroy();
          resolve(true);
        });
        socket.once("error", () => resolve(false));
      }),
    { timeoutMs: 30_000, failFast: () => (child.isRunning() ? null : `${name} exited:\n${child.output()}`) },
  );
}

export { freePort } from "@latchkey/testkit";

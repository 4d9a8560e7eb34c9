/**
 * The keep-alive client of `instructions` and `allocations`, in a process of its own:
 * `node client-child.js <port> <path> <token|-> <status>`, forked by
 * {@link connectClientProcess}. The process those tools measure then runs the server
 * alone; with the client in it, every count also held the client's own work (about 21,500
 * instructions a request, the same for every variant), and the ratios between variants
 * looked closer to 1 than the servers are.
 *
 * Over IPC it is told `{ send: n }`, answers `{ sent: n }` once the n answers have arrived
 * (or `{ error }`), and exits when the channel closes.
 */
import { connectClient } from "./keep-alive-client.js";

function send(message: unknown): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const [port, path, token, status] = process.argv.slice(2);
  if (port === undefined || path === undefined || token === undefined || status === undefined)
    throw new Error("usage: client-child.js <port> <path> <token|-> <status>");
  const client = await connectClient(Number(port), path, token === "-" ? null : token, Number(status));
  process.on("message", (raw: unknown) => {
    const count: unknown = typeof raw === "object" && raw !== null ? Reflect.get(raw, "send") : undefined;
    if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
      send({ error: `Not a request count: ${JSON.stringify(raw)}` });
      return;
    }
    client.send(count).then(
      () => send({ sent: count }),
      (error: unknown) => send({ error: error instanceof Error ? error.message : String(error) }),
    );
  });
  process.on("disconnect", () => {
    client.close();
    process.exit(0);
  });
  send({ connected: true });
}

main().catch((error: unknown) => {
  send({ error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});

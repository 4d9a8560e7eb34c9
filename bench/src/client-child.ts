/**
 * The keep-alive client of `instructions` and `allocations`, in a process of its own:
 * `node client-child.js <port> <path> <token|-> <status>`, started by
 * {@link connectClientProcess}. The process those tools measure then runs the server
 * alone; with the client in it, every count also held the client's own work (about 21,500
 * instructions a request, the same for every variant), and the ratios between variants
 * looked closer to 1 than the servers are.
 *
 * Over IPC (messages.ts) it says `ready` once connected, is told `send` with a count, and
 * answers `sent` once that many answers have arrived, or `failed`.
 */
import { connectClient } from "./keep-alive-client.js";
import { parseRunnerMessage } from "./messages.js";

function send(message: unknown): void {
  process.send?.(message);
}

function failed(error: unknown): void {
  send({ type: "failed", message: error instanceof Error ? error.message : String(error) });
}

async function main(): Promise<void> {
  const [port, path, token, status] = process.argv.slice(2);
  if (port === undefined || path === undefined || token === undefined || status === undefined)
    throw new Error("usage: client-child.js <port> <path> <token|-> <status>");
  const client = await connectClient(Number(port), path, token === "-" ? null : token, Number(status));
  process.on("message", (raw: unknown) => {
    const message = parseRunnerMessage(raw);
    if (message?.type !== "send") return;
    const { count } = message;
    client.send(count).then(() => send({ type: "sent", count }), failed);
  });
  // The measuring process went away: end the connection with it.
  process.on("disconnect", () => {
    client.close();
    process.exit(0);
  });
  send({ type: "ready", port: Number(port) });
}

main().catch((error: unknown) => {
  failed(error);
  process.exit(1);
});

/**
 * The revocation scenario's load generator, in a child process of its own (pinned to the
 * load core): `node revocation-child.js '<RevocationSpec JSON>'`. It runs the whoami load and
 * the logouts (see revocation-load.ts), answers `{ type: "revocation", result }` over IPC,
 * and exits.
 */
import { parseRevocationSpec } from "./revocation-messages.js";
import { runRevocationLoad } from "./revocation-load.js";

function send(message: unknown): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

async function main(): Promise<void> {
  const spec = parseRevocationSpec(process.argv[2] ?? "");
  if (spec === null) throw new Error("revocation-child: the argument is not a revocation spec.");
  const result = await runRevocationLoad(spec);
  await send({ type: "revocation", result });
  process.exit(0);
}

// The runner is gone: nothing will ever ask for a result.
process.on("disconnect", () => process.exit(0));
main().catch(async (error: unknown) => {
  await send({ type: "failed", message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});

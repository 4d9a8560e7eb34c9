import { runMemoryTunedServe, wantsMemoryTunedServe } from "./memory-tuned-serve.js";

const argv = process.argv.slice(2);
const script = process.argv[1];
if (script !== undefined && wantsMemoryTunedServe(argv, process.env, process.platform)) {
  // `serve` runs in a child with the allocator and heap tuned (see memory-tuned-serve.ts);
  // this process stays small: run-cli and the server are never loaded here.
  process.exitCode = await runMemoryTunedServe(script, argv);
} else {
  const { runCli } = await import("./run-cli.js");
  // The exit code is set, not forced: `serve` keeps the process alive until a signal.
  process.exitCode = await runCli(argv);
}

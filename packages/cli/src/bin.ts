import { runCli } from "./run-cli.js";

// The exit code is set, not forced: `serve` keeps the process alive until a signal.
process.exitCode = await runCli(process.argv.slice(2));

export { runCli } from "./run-cli.js";
export { buildProgram } from "./program.js";
export { CliError } from "./cli-error.js";
export { processIo, type CliIo } from "./cli-io.js";

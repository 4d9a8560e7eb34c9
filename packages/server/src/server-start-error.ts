/**
 * The server (or a command) could not start for a reason outside the configuration's values:
 * the port is taken, the database file cannot be opened. The message says what to do.
 */
export class ServerStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ServerStartError";
  }
}

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@latchkey/core";
import { loadServerConfig, startServer, type RunningServer } from "@latchkey/server";

/** A ready server in this process, on a free loopback port, over a fresh SQLite file. */
export interface InProcessServer {
  readonly server: RunningServer;
  /** Stops the server and deletes its data folder. */
  close(): Promise<void>;
}

/**
 * Starts the ready server (`latchkey serve`, as the CLI builds it) in this process, with
 * default settings, `LATCHKEY_*` variables of `env`, and its SQLite file in a temporary folder.
 */
export async function startReadyServer(env: Readonly<Record<string, string>> = {}): Promise<InProcessServer> {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-ready-server-"));
  try {
    const config = loadServerConfig({ cwd: dir, env, overrides: { port: "0", host: "127.0.0.1", dataDir: dir } });
    const server = await startServer(config, { logger: silentLogger, migrate: true });
    return {
      server,
      async close() {
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

import { loadServerConfig, SETTINGS, startServer, type RunningServer } from "@latchkey/server";

/**
 * The ready server as `latchkey serve` runs it, over the bench's SQLite file, on a free
 * loopback port. The environment is not read (a LATCHKEY_* variable of the caller must not
 * change what is measured); `logLevel` "warn" leaves out the one-line-per-request log.
 * `settings` are further command-line overrides by config-file key.
 */
export async function readyServer(
  database: string,
  logLevel: "warn" | "info",
  settings: Readonly<Record<string, string>>,
): Promise<RunningServer> {
  const config = loadServerConfig({
    env: {},
    overrides: { ...settings, host: "127.0.0.1", port: "0", database, logLevel },
  });
  return startServer(config);
}

/** True if this version of the ready server has the setting `key` (e.g. `redisUrl`). */
export function readyServerHas(key: string): boolean {
  return SETTINGS.some((setting) => setting.key === key);
}

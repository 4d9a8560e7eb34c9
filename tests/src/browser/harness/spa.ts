import { join } from "node:path";
import { REPO_ROOT } from "../../server/latchkey-process.js";
import { runToEnd, startChild, type RunningChild } from "./child-process.js";
import { waitForPort } from "./ports.js";

/** The example SPA's folder. */
export const SPA_SOURCE = join(REPO_ROOT, "examples", "react-spa");
/** The Vue example's folder: the same pages and test ids, built the same way. */
export const VUE_SPA_SOURCE = join(REPO_ROOT, "examples", "vue-spa");
const VITE = join(REPO_ROOT, "node_modules", "vite", "bin", "vite.js");

/**
 * The example's build-time settings (examples/react-spa/src/env.d.ts): Vite bakes `VITE_*`
 * variables into the bundle, so each API origin needs its own build, as in production.
 */
export interface SpaSettings {
  /** Origin of the API; unset = the page's own origin. */
  VITE_LATCHKEY_URL?: string;
  /** `cookie` (default) or `token`. */
  VITE_LATCHKEY_MODE?: string;
  /** `memory` (default) or `localStorage` (token mode: stay logged in across reloads). */
  VITE_LATCHKEY_TOKEN_STORAGE?: string;
}

function viteEnv(settings: SpaSettings): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) if (typeof value === "string") env[name] = value;
  return env;
}

/**
 * `vite build` of the example into `outDir` (offline; about a second). The same command as
 * `npm run build -w @latchkey/example-react-spa`, minus the type check that `tsc -b` did.
 * `source` picks the example: {@link SPA_SOURCE} (React) or {@link VUE_SPA_SOURCE}.
 */
export async function buildSpa(
  outDir: string,
  settings: SpaSettings = {},
  source: string = SPA_SOURCE,
): Promise<string> {
  const result = await runToEnd(
    process.execPath,
    [VITE, "build", "--outDir", outDir, "--emptyOutDir", "--logLevel", "warn"],
    { cwd: source, env: viteEnv(settings) },
  );
  if (result.code !== 0) throw new Error(`vite build failed (exit ${String(result.code)}):\n${result.output}`);
  return outDir;
}

/** The Vite dev server of the example on `port`. */
export interface ViteDevServer {
  readonly port: number;
  readonly process: RunningChild;
  stop(): Promise<void>;
}

/**
 * `vite --port <port> --strictPort` on 127.0.0.1 (the browser opens it as `http://localhost:<port>`,
 * which Chromium connects to on 127.0.0.1). `proxyTarget` sets `LATCHKEY_PROXY_TARGET`, where
 * the example's vite.config.ts forwards `/api` (mode B in development).
 */
export async function startViteDev(options: {
  port: number;
  settings?: SpaSettings;
  proxyTarget?: string;
}): Promise<ViteDevServer> {
  const env = viteEnv(options.settings ?? {});
  if (options.proxyTarget !== undefined) env.LATCHKEY_PROXY_TARGET = options.proxyTarget;
  const child = startChild(
    process.execPath,
    [VITE, "--port", String(options.port), "--strictPort", "--host", "127.0.0.1", "--clearScreen", "false"],
    { cwd: SPA_SOURCE, env },
  );
  await waitForPort(options.port, child, "the Vite dev server");
  return { port: options.port, process: child, stop: () => child.stop("SIGTERM", 5_000) };
}

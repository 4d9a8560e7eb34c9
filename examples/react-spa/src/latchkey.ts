import { createClient, type LatchkeyClient } from "@latchkey/client";

function modeFromEnv(value: string | undefined): "cookie" | "token" {
  if (value === undefined || value === "" || value === "cookie") return "cookie";
  if (value === "token") return "token";
  throw new Error(`VITE_LATCHKEY_MODE must be "cookie" or "token", got ${JSON.stringify(value)}`);
}

/**
 * The app's one latchkey client, made once at module load (not inside a component, so every
 * render shares it). Empty VITE_LATCHKEY_URL = same origin: the Vite dev proxy, or the SPA
 * served by latchkey itself.
 */
export const client: LatchkeyClient = createClient({
  baseUrl: import.meta.env.VITE_LATCHKEY_URL ?? "",
  mode: modeFromEnv(import.meta.env.VITE_LATCHKEY_MODE),
});

import { createClient, type LatchkeyClient } from "@latchkey/client";

function modeFromEnv(value: string | undefined): "cookie" | "token" {
  if (value === undefined || value === "" || value === "cookie") return "cookie";
  if (value === "token") return "token";
  throw new Error(`VITE_LATCHKEY_MODE must be "cookie" or "token", got ${JSON.stringify(value)}`);
}

function tokenStorageFromEnv(value: string | undefined): "memory" | "localStorage" {
  if (value === undefined || value === "" || value === "memory") return "memory";
  if (value === "localStorage") return "localStorage";
  throw new Error(`VITE_LATCHKEY_TOKEN_STORAGE must be "memory" or "localStorage", got ${JSON.stringify(value)}`);
}

/** Where the API is: VITE_LATCHKEY_URL at build time, or "" for this page's own origin. */
export const apiUrl: string = import.meta.env.VITE_LATCHKEY_URL ?? "";

/**
 * The app's one latchkey client, made once at module load (not inside a component, so every
 * render shares it). Empty VITE_LATCHKEY_URL = same origin: the Vite dev proxy, or the SPA
 * served by latchkey itself.
 */
export const client: LatchkeyClient = createClient({
  baseUrl: apiUrl,
  mode: modeFromEnv(import.meta.env.VITE_LATCHKEY_MODE),
  // Token mode only: "localStorage" keeps the user logged in across reloads, at the price of
  // a token that any script on the page (an XSS bug) can read. See docs/deployment.md, D1.
  tokenStorage: tokenStorageFromEnv(import.meta.env.VITE_LATCHKEY_TOKEN_STORAGE),
});

import { readyServerHas } from "./ready-server.js";

/**
 * Ready-server settings for a server that takes the bench's login load: `connections`
 * simultaneous logins of the one bench user from 127.0.0.1. The throttle's in-flight bounds
 * (`throttle.maxInFlightPerAccount`, default 2, and `throttle.maxInFlightPerIp`, default 8)
 * exist to refuse exactly that from one client, at once with 429 and before any hashing, so
 * with the defaults the load would measure refusals, not logins. They are raised to the
 * load's connections (no other setting changes: the hashing concurrency, the failed-login
 * windows and the queue stay the defaults) where this version of the server has them.
 */
export function loginLoadSettings(connections: number): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const key of ["throttle.maxInFlightPerAccount", "throttle.maxInFlightPerIp"]) {
    if (readyServerHas(key)) settings[key] = String(Math.max(connections, 8));
  }
  return settings;
}

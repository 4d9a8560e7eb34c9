import type { LatchkeyClient } from "@latchkey/client";
import { useEffect, useRef, type ReactElement, type ReactNode } from "react";
import { AuthContext } from "./auth-context.js";

/** Props of {@link AuthProvider}. */
export interface AuthProviderProps {
  /** The client made with `createClient()`, created once outside the component. */
  client: LatchkeyClient;
  children?: ReactNode;
}

/**
 * Makes `client` available to {@link useSession} and {@link RequireAuth} below it, and asks
 * the server once, on mount, whether a session exists (`client.refresh()`). Until that answer
 * the status is `loading`.
 */
export function AuthProvider({ client, children }: AuthProviderProps): ReactElement {
  // StrictMode runs effects twice in development; a ref survives that, so the check runs once
  // per client (and the client merges concurrent refreshes anyway).
  const checked = useRef<LatchkeyClient | null>(null);
  useEffect(() => {
    if (checked.current === client) return;
    checked.current = client;
    void client.refresh();
  }, [client]);
  return <AuthContext.Provider value={client}>{children}</AuthContext.Provider>;
}

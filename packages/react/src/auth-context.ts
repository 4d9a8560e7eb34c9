import type { LatchkeyClient } from "@latchkey/client";
import { createContext } from "react";

/** The client that {@link AuthProvider} hands down; null outside a provider. */
export const AuthContext = createContext<LatchkeyClient | null>(null);
AuthContext.displayName = "LatchkeyAuth";

export { AuthProvider, type AuthProviderProps } from "./auth-provider.js";
export { useSession, useLatchkeyClient, type SessionValue } from "./use-session.js";
export { RequireAuth, type RequireAuthProps } from "./require-auth.js";
export { useSessions, type SessionsValue } from "./use-sessions.js";
export { createSessionsList, type SessionsList, type SessionsState } from "./sessions-list.js";

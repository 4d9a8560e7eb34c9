import type { ReactElement, ReactNode } from "react";
import { useSession } from "./use-session.js";

/** Props of {@link RequireAuth}. */
export interface RequireAuthProps {
  /** Shown to a logged-in user. */
  children?: ReactNode;
  /** Shown when nobody is logged in (a login form, a link to it). @default null */
  fallback?: ReactNode;
  /**
   * Shown while the first check runs. Neither the children nor the fallback appear before the
   * server has answered, so a logged-in user never sees a flash of the logged-out screen.
   * @default null
   */
  loading?: ReactNode;
}

/** Renders `children` for a logged-in user, `fallback` otherwise, and `loading` until it knows. */
export function RequireAuth({ children = null, fallback = null, loading = null }: RequireAuthProps): ReactElement {
  const { status } = useSession();
  return <>{status === "loading" ? loading : status === "authenticated" ? children : fallback}</>;
}

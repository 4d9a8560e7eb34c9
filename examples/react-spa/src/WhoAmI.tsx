import type { User } from "@latchkey/client";
import { useSession } from "@latchkey/react";
import { useState, type ReactElement } from "react";

/** The staff flag in either user shape the server may render (camelCase or DRF's). */
function isStaff(user: User): boolean {
  return "isStaff" in user ? user.isStaff : user.is_staff;
}

/** The logged-in user, and the logout button. */
export function WhoAmI(): ReactElement | null {
  const { user, logout } = useSession();
  const [error, setError] = useState<string | null>(null);
  if (user === null) return null;

  async function onLogout(): Promise<void> {
    const result = await logout();
    if (!result.ok && result.error.code !== "not_logged_in") setError(result.error.detail);
  }

  return (
    <section className="panel">
      <h2>Who am I</h2>
      <dl>
        <dt>Username</dt>
        <dd data-testid="whoami-username">{user.username}</dd>
        <dt>Email</dt>
        <dd data-testid="whoami-email">{user.email === "" ? "—" : user.email}</dd>
        <dt>Staff</dt>
        <dd data-testid="whoami-staff">{isStaff(user) ? "yes" : "no"}</dd>
      </dl>
      <button data-testid="logout" type="button" onClick={() => void onLogout()}>
        Log out
      </button>
      {error !== null && (
        <p data-testid="logout-error" role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}

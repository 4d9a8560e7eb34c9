import type { ClientResult } from "@latchkey/client";
import { useSession } from "@latchkey/react";
import { useState, type FormEvent, type ReactElement } from "react";
import { accountErrorMessage } from "../messages";

/** An action that needs a fresh session, kept while the user confirms their password. */
type FreshAction = { label: string; run: () => Promise<ClientResult<{ detail: string }>> };

/**
 * Change email and delete the account. Both need a session fresh from a login or a
 * re-authentication (`accounts.reauthenticationWindowSeconds`); when the server answers 403
 * `reauthentication_required`, the page asks for the password, re-authenticates and runs the
 * same action again.
 */
export function AccountPage(): ReactElement {
  const { client, user } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [waiting, setWaiting] = useState<FreshAction | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirmingDelete, setConfirmingDelete] = useState(false);

  async function attempt(action: FreshAction): Promise<void> {
    setError(null);
    setNote(null);
    const result = await action.run();
    if (result.ok) {
      setWaiting(null);
      setNote(result.data.detail);
    } else if (result.error.code === "reauthentication_required") {
      setWaiting(action);
    } else {
      setError(accountErrorMessage(result.error));
    }
  }

  async function confirm(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (waiting === null) return;
    const fresh = await client.reauthenticate(password);
    setPassword("");
    if (!fresh.ok) {
      setError(accountErrorMessage(fresh.error));
      return;
    }
    await attempt(waiting);
  }

  function changeEmail(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    void attempt({ label: `change your email to ${email}`, run: () => client.changeEmail(email) });
  }

  function deleteAccount(): void {
    setConfirmingDelete(false);
    // On success the state becomes anonymous and the login form replaces this page.
    void attempt({ label: "delete your account", run: () => client.deleteAccount() });
  }

  return (
    <section className="panel">
      <h2>Your account</h2>
      <p>
        Signed in as <strong data-testid="account-username">{user?.username}</strong> (
        <span data-testid="account-email">{user?.email === "" ? "no email" : user?.email}</span>)
      </p>
      <form onSubmit={changeEmail}>
        <label>
          New email
          <input
            data-testid="change-email"
            name="email"
            type="email"
            autoComplete="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <button data-testid="change-email-submit" type="submit">
          Send a confirmation link
        </button>
      </form>
      {confirmingDelete ? (
        <p>
          Delete your account for good? This cannot be undone.{" "}
          <button data-testid="delete-account-confirm" type="button" className="danger" onClick={deleteAccount}>
            Yes, delete it
          </button>{" "}
          <button type="button" onClick={() => setConfirmingDelete(false)}>
            Keep it
          </button>
        </p>
      ) : (
        <button data-testid="delete-account" type="button" className="danger" onClick={() => setConfirmingDelete(true)}>
          Delete my account
        </button>
      )}
      {waiting !== null && (
        <form data-testid="reauth-form" onSubmit={(event) => void confirm(event)}>
          <p>To {waiting.label}, confirm your password.</p>
          <label>
            Password
            <input
              data-testid="reauth-password"
              name="password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          <button data-testid="reauth-submit" type="submit">
            Confirm
          </button>
        </form>
      )}
      {note !== null && <p data-testid="account-note">{note}</p>}
      {error !== null && (
        <p data-testid="account-error" role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}

import { useSession } from "@latchkey/react";
import { useState, type FormEvent, type ReactElement } from "react";
import { client } from "./latchkey";
import { loginErrorMessage } from "./messages";

/** Username and password, with the server's refusal shown in words. */
export function LoginForm(): ReactElement {
  const { login } = useSession();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = await login(username, password);
    setBusy(false);
    if (!result.ok) setError(loginErrorMessage(result.error));
    // On success the session state changes and <RequireAuth> swaps this form out.
  }

  /** Passwordless: the browser offers the passkeys it holds for this site. */
  async function withPasskey(): Promise<void> {
    setBusy(true);
    setError(null);
    const result = await client.loginWithPasskey();
    setBusy(false);
    if (!result.ok) setError(result.error.code === "passkey_cancelled" ? "No passkey was chosen." : loginErrorMessage(result.error));
  }

  return (
    <form className="panel" onSubmit={(event) => void submit(event)}>
      <h2>Log in</h2>
      <label>
        Username
        <input data-testid="login-username" name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} />
      </label>
      <label>
        Password
        <input
          data-testid="login-password"
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <button data-testid="login-submit" type="submit" disabled={busy}>
        {busy ? "Logging in…" : "Log in"}
      </button>{" "}
      <button data-testid="login-passkey" type="button" disabled={busy} onClick={() => void withPasskey()}>
        Log in with a passkey
      </button>
      {error !== null && (
        <p data-testid="login-error" role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}

import { useSession } from "@latchkey/react";
import { useState, type FormEvent, type ReactElement } from "react";
import { client } from "./latchkey";
import { loginErrorMessage } from "./messages";

/** Username and password, with the server's refusal shown in words. */
export function LoginForm(): ReactElement {
  const { login, client } = useSession();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Set when the password was right but the account has a second factor (401 mfa_required).
  const [needsCode, setNeedsCode] = useState(false);
  const [code, setCode] = useState("");
  // The second factors the server offered; with "webauthn" the code step also offers the user's passkeys.
  const [methods, setMethods] = useState<readonly string[]>([]);

  async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = needsCode ? await client.authenticateMfa(code) : await login(username, password);
    setBusy(false);
    if (!result.ok && result.error.code === "mfa_required") {
      setNeedsCode(true);
      setMethods(result.error.methods ?? []);
      return;
    }
    if (!result.ok && result.error.code === "mfa_login_invalid") setNeedsCode(false);
    if (!result.ok) setError(loginErrorMessage(result.error));
    // On success the session state changes and <RequireAuth> swaps this form out.
  }

  /** Second factor: the browser offers this user's passkeys to finish the login the password started. */
  async function secondFactorPasskey(): Promise<void> {
    setBusy(true);
    setError(null);
    const result = await client.authenticateMfaWithPasskey();
    setBusy(false);
    if (!result.ok && result.error.code === "mfa_login_invalid") setNeedsCode(false);
    if (!result.ok)
      setError(result.error.code === "passkey_cancelled" ? "No passkey was chosen." : loginErrorMessage(result.error));
  }

  /** Passwordless: the browser offers the passkeys it holds for this site. */
  async function withPasskey(): Promise<void> {
    setBusy(true);
    setError(null);
    const result = await client.loginWithPasskey();
    setBusy(false);
    if (!result.ok)
      setError(result.error.code === "passkey_cancelled" ? "No passkey was chosen." : loginErrorMessage(result.error));
  }

  return (
    <form className="panel" onSubmit={(event) => void submit(event)}>
      <h2>Log in</h2>
      <label>
        Username
        <input
          data-testid="login-username"
          name="username"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
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
      {needsCode && (
        <label>
          {methods.includes("totp")
            ? "Code from your authenticator app (or a recovery code)"
            : "Recovery code (if you cannot use your passkey)"}
          <input
            data-testid="login-code"
            name="code"
            autoComplete="one-time-code"
            inputMode="numeric"
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
        </label>
      )}
      <button data-testid="login-submit" type="submit" disabled={busy}>
        {busy ? "Logging in…" : "Log in"}
      </button>{" "}
      {needsCode && methods.includes("webauthn") && (
        <>
          <button
            data-testid="login-mfa-passkey"
            type="button"
            disabled={busy}
            onClick={() => void secondFactorPasskey()}
          >
            Use a passkey
          </button>{" "}
        </>
      )}
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

import { useSession } from "@latchkey/react";
import { useState, type FormEvent, type ReactElement } from "react";
import { accountErrorMessage } from "../messages";
import { Link, useLocation } from "../router";

/** The page the reset link opens (`/reset-password?key=…`): a new password, then log in. */
export function ResetPasswordPage(): ReactElement {
  const { client } = useSession();
  const key = useLocation().query.get("key") ?? "";
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = await client.resetPassword(key, password);
    setBusy(false);
    // A refused password (password_invalid) leaves the link usable: the form stays.
    if (result.ok) setDone(true);
    else setError(accountErrorMessage(result.error));
  }

  if (done) {
    return (
      <section className="panel">
        <h2>Password changed</h2>
        <p data-testid="reset-done">
          Your password is changed and every device was logged out.{" "}
          <Link to="/" testId="reset-login-link">
            Log in
          </Link>
        </p>
      </section>
    );
  }
  return (
    <form className="panel" onSubmit={(event) => void submit(event)}>
      <h2>Set a new password</h2>
      <label>
        New password
        <input
          data-testid="reset-password"
          name="new-password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <button data-testid="reset-submit" type="submit" disabled={busy || key === ""}>
        Set password
      </button>
      {key === "" && <p className="error">This link has no key. Open the link from the email again.</p>}
      {error !== null && (
        <p data-testid="reset-error" role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}

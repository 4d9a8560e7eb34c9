import { useSession } from "@latchkey/react";
import { useState, type FormEvent, type ReactElement } from "react";
import { accountErrorMessage } from "../messages";
import { navigate } from "../router";

/** Username, email and password. Verification mandatory: on to "check your email"; otherwise logged in. */
export function SignUpPage(): ReactElement {
  const { client } = useSession();
  const [username, setUsername] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = await client.signup({ username, email, password });
    setBusy(false);
    if (!result.ok) setError(accountErrorMessage(result.error));
    else if (result.data.pending) navigate(`/check-email?email=${encodeURIComponent(email)}`);
    else navigate("/");
  }

  return (
    <form className="panel" onSubmit={(event) => void submit(event)}>
      <h2>Sign up</h2>
      <label>
        Username
        <input
          data-testid="signup-username"
          name="username"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
      </label>
      <label>
        Email
        <input
          data-testid="signup-email"
          name="email"
          type="email"
          autoComplete="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </label>
      <label>
        Password
        <input
          data-testid="signup-password"
          name="password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <button data-testid="signup-submit" type="submit" disabled={busy}>
        {busy ? "Signing up…" : "Sign up"}
      </button>
      {error !== null && (
        <p data-testid="signup-error" role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}

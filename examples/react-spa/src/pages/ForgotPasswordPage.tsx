import { useSession } from "@latchkey/react";
import { useState, type FormEvent, type ReactElement } from "react";
import { accountErrorMessage } from "../messages";

/** Asks for a reset link. The answer is the same whether or not the address has an account. */
export function ForgotPasswordPage(): ReactElement {
  const { client } = useSession();
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setError(null);
    const result = await client.requestPasswordReset(email);
    if (result.ok) setSent(true);
    else setError(accountErrorMessage(result.error));
  }

  if (sent) {
    return (
      <section className="panel">
        <h2>Check your email</h2>
        <p data-testid="reset-requested">
          If {email} belongs to an account, a link to set a new password is on its way. It works once, for an hour.
        </p>
      </section>
    );
  }
  return (
    <form className="panel" onSubmit={(event) => void submit(event)}>
      <h2>Forgot your password?</h2>
      <label>
        Email
        <input
          data-testid="forgot-email"
          name="email"
          type="email"
          autoComplete="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </label>
      <button data-testid="forgot-submit" type="submit">
        Send me a link
      </button>
      {error !== null && (
        <p data-testid="forgot-error" role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}

import { useSession } from "@latchkey/react";
import { useState, type ReactElement } from "react";
import { accountErrorMessage } from "../messages";
import { useLocation } from "../router";

/** After a sign-up that needs verification: where the link went, and a resend button. */
export function CheckEmailPage(): ReactElement {
  const { client } = useSession();
  const email = useLocation().query.get("email") ?? "";
  const [note, setNote] = useState<string | null>(null);

  async function resend(): Promise<void> {
    const result = await client.resendVerification(email);
    // The answer is the same for every address (no enumeration), so it says nothing more.
    setNote(
      result.ok ? "If that address needs verifying, a new link is on its way." : accountErrorMessage(result.error),
    );
  }

  return (
    <section className="panel">
      <h2 data-testid="check-email">Check your email</h2>
      <p>
        We sent a link to <strong data-testid="check-email-address">{email}</strong>. Open it to verify your address,
        then log in.
      </p>
      <button data-testid="resend-verification" type="button" onClick={() => void resend()} disabled={email === ""}>
        Send the link again
      </button>
      {note !== null && <p data-testid="resend-note">{note}</p>}
    </section>
  );
}

import type { ClientResult, LatchkeyClient } from "@latchkey/client";
import { useSession } from "@latchkey/react";
import { useEffect, useState, type ReactElement } from "react";
import { accountErrorMessage } from "../messages";
import { Link, useLocation } from "../router";

// A key is single-use: StrictMode's double effects (development) must not post it twice, or
// the second answer (key_invalid) would replace the first. One request per key per page load.
const verifications = new Map<string, Promise<ClientResult<{ email: string }>>>();

function verifyOnce(client: LatchkeyClient, key: string): Promise<ClientResult<{ email: string }>> {
  let pending = verifications.get(key);
  if (pending === undefined) {
    pending = client.verifyEmail(key);
    verifications.set(key, pending);
  }
  return pending;
}

/** The page the emailed link opens (`/verify-email?key=…`): posts the key and says how it went. */
export function VerifyEmailPage(): ReactElement {
  const { client } = useSession();
  const key = useLocation().query.get("key") ?? "";
  const [outcome, setOutcome] = useState<{ ok: true; email: string } | { ok: false; message: string } | null>(null);

  useEffect(() => {
    if (key === "") return;
    let live = true;
    void verifyOnce(client, key).then((result) => {
      if (live)
        setOutcome(
          result.ok
            ? { ok: true, email: result.data.email }
            : { ok: false, message: accountErrorMessage(result.error) },
        );
    });
    return () => {
      live = false;
    };
  }, [client, key]);

  return (
    <section className="panel">
      <h2>Verify your email</h2>
      {key === "" && <p className="error">This link has no key. Open the link from the email again.</p>}
      {key !== "" && outcome === null && <p data-testid="verify-pending">Verifying…</p>}
      {outcome?.ok === true && (
        <p data-testid="verify-done">
          <strong data-testid="verify-email">{outcome.email}</strong> is verified.{" "}
          <Link to="/" testId="verify-login-link">
            Log in
          </Link>
        </p>
      )}
      {outcome?.ok === false && (
        <p data-testid="verify-error" role="alert" className="error">
          {outcome.message}
        </p>
      )}
    </section>
  );
}

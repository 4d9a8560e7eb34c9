import { useSession } from "@latchkey/react";
import type { MfaStatus } from "@latchkey/client";
import { useCallback, useEffect, useState, type FormEvent, type ReactElement } from "react";
import { accountErrorMessage } from "../messages";

/**
 * Two-factor authentication: turn on an authenticator app (scan the QR code or type the
 * secret, then confirm with a code), see the recovery codes once, and remove the app. Setup
 * and removal need a fresh session: on 403 `reauthentication_required` the page asks for the
 * password and tries again.
 */
export function MfaPage(): ReactElement {
  const { client } = useSession();
  const [status, setStatus] = useState<MfaStatus | null>(null);
  const [setup, setSetup] = useState<{ secret: string; qrSvg: string } | null>(null);
  const [code, setCode] = useState("");
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [password, setPassword] = useState("");
  const [retry, setRetry] = useState<(() => Promise<void>) | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async (): Promise<void> => {
    const result = await client.mfaStatus();
    if (result.ok) setStatus(result.data);
    else setError(accountErrorMessage(result.error));
  }, [client]);

  useEffect(() => {
    void reload();
  }, [reload]);

  async function startSetup(): Promise<void> {
    setError(null);
    const result = await client.setupTotp();
    if (result.ok) setSetup({ secret: result.data.secret, qrSvg: result.data.qrSvg });
    else if (result.error.code === "reauthentication_required") setRetry(() => startSetup);
    else setError(accountErrorMessage(result.error));
  }

  async function confirm(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setError(null);
    const result = await client.confirmTotp(code);
    setCode("");
    if (!result.ok) {
      setError(accountErrorMessage(result.error));
      return;
    }
    setSetup(null);
    setRecoveryCodes(result.data.recoveryCodes);
    await reload();
  }

  async function remove(): Promise<void> {
    setError(null);
    const result = await client.removeTotp();
    if (result.ok) await reload();
    else if (result.error.code === "reauthentication_required") setRetry(() => remove);
    else setError(accountErrorMessage(result.error));
  }

  async function reauthenticate(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    const fresh = await client.reauthenticate(password);
    setPassword("");
    if (!fresh.ok) {
      setError(accountErrorMessage(fresh.error));
      return;
    }
    const again = retry;
    setRetry(null);
    if (again !== null) await again();
  }

  return (
    <section className="panel">
      <h2>Two-factor authentication</h2>
      {status !== null && (
        <p data-testid="mfa-status">
          {status.totp
            ? `Authenticator app on; ${status.recoveryCodes.remaining} recovery codes left.`
            : "Authenticator app off."}
        </p>
      )}
      {status !== null && !status.totp && setup === null && (
        <button data-testid="mfa-setup" type="button" onClick={() => void startSetup()}>
          Set up an authenticator app
        </button>
      )}
      {setup !== null && (
        <form onSubmit={(event) => void confirm(event)}>
          <p>Scan this code with your authenticator app, or type the secret.</p>
          {/* As an image, not inserted markup: an SVG in an <img> runs no script, whatever the server sent. */}
          <img
            data-testid="mfa-qr"
            className="qr"
            alt="QR code for your authenticator app"
            src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.qrSvg)}`}
          />
          <p>
            Secret: <code data-testid="mfa-secret">{setup.secret}</code>
          </p>
          <label>
            Code from the app
            <input
              data-testid="mfa-code"
              autoComplete="one-time-code"
              inputMode="numeric"
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
          </label>
          <button data-testid="mfa-confirm" type="submit">
            Turn on
          </button>
        </form>
      )}
      {recoveryCodes !== null && (
        <div>
          <p>Recovery codes: each works once if you lose the app. They are shown only now.</p>
          <ul data-testid="mfa-recovery-codes">
            {recoveryCodes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      {status?.totp === true && (
        <button data-testid="mfa-remove" type="button" onClick={() => void remove()}>
          Remove the authenticator app
        </button>
      )}
      {retry !== null && (
        <form onSubmit={(event) => void reauthenticate(event)}>
          <label>
            Confirm your password to continue
            <input
              data-testid="mfa-reauth-password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          <button data-testid="mfa-reauth-submit" type="submit">
            Confirm
          </button>
        </form>
      )}
      {error !== null && (
        <p data-testid="mfa-error" role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}

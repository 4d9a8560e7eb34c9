import type { PasskeyInfo } from "@latchkey/client";
import { useCallback, useEffect, useState, type FormEvent, type ReactElement } from "react";
import { client } from "../latchkey";
import { accountErrorMessage } from "../messages";

/**
 * "Your passkeys": register one on this device, rename or remove them. All the WebAuthn work
 * (the browser's passkey dialog, the JSON both ways) is inside @latchkey/client.
 */
export function PasskeysPage(): ReactElement {
  const [passkeys, setPasskeys] = useState<PasskeyInfo[] | null>(null);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // A passkey is also a second factor: the first one comes with recovery codes, shown only once.
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);

  const reload = useCallback(async (): Promise<void> => {
    const result = await client.listPasskeys();
    if (result.ok) setPasskeys(result.data.passkeys);
    else setError(accountErrorMessage(result.error));
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  async function register(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const result = await client.registerPasskey(name.trim() === "" ? "Passkey" : name.trim());
    setBusy(false);
    if (!result.ok)
      setError(
        result.error.code === "passkey_cancelled" ? "No passkey was created." : accountErrorMessage(result.error),
      );
    else {
      setName("");
      setRecoveryCodes(result.data.recoveryCodes);
    }
    await reload();
  }

  async function remove(id: string): Promise<void> {
    setError(null);
    const result = await client.deletePasskey(id);
    if (!result.ok) setError(accountErrorMessage(result.error));
    await reload();
  }

  return (
    <section className="panel">
      <h2>Your passkeys</h2>
      <ul data-testid="passkeys-list" data-count={passkeys === null ? undefined : passkeys.length}>
        {(passkeys ?? []).map((passkey) => (
          <li key={passkey.id} data-testid="passkey-item">
            <span data-testid="passkey-name">{passkey.name}</span> · added{" "}
            {new Date(passkey.createdAt).toLocaleString()} · last used{" "}
            {passkey.lastUsedAt === null ? "never" : new Date(passkey.lastUsedAt).toLocaleString()}{" "}
            <button data-testid="passkey-remove" type="button" onClick={() => void remove(passkey.id)}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={(event) => void register(event)}>
        <label>
          Name
          <input
            data-testid="passkey-new-name"
            value={name}
            placeholder="This laptop"
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <button data-testid="passkey-register" type="submit" disabled={busy}>
          {busy ? "Waiting for your passkey…" : "Add a passkey on this device"}
        </button>
      </form>
      {recoveryCodes !== null && (
        <div>
          <p>
            Your passkey is now also your second factor. Recovery codes: each works once if you lose it. They are shown
            only now.
          </p>
          <ul data-testid="passkey-recovery-codes">
            {recoveryCodes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      {error !== null && (
        <p data-testid="passkeys-error" role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}

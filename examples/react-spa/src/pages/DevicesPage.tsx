import type { SessionInfo } from "@latchkey/client";
import { useSessions } from "@latchkey/react";
import type { ReactElement } from "react";
import { accountErrorMessage } from "../messages";

function describe(session: SessionInfo): string {
  const what = session.label ?? session.userAgent ?? (session.kind === "bearer" ? "API token" : "Browser");
  return `${what}${session.ip === null ? "" : ` · ${session.ip}`}`;
}

/** "Your devices": every session and token of the user, each with a button that ends it. */
export function DevicesPage(): ReactElement {
  const { status, sessions, error, revoking, reload, revoke, revokeOthers } = useSessions();
  const others = sessions.filter((s) => !s.current).length;
  return (
    <section className="panel">
      <h2>Your devices</h2>
      {status === "loading" && sessions.length === 0 && <p data-testid="devices-loading">Loading…</p>}
      <ul data-testid="devices-list" data-count={status === "ready" ? sessions.length : undefined}>
        {sessions.map((session) => (
          <li key={session.id} data-testid={session.current ? "device-current" : "device-other"}>
            {describe(session)} · since {new Date(session.createdAt).toLocaleString()} · last seen{" "}
            {new Date(session.lastSeenAt).toLocaleString()}
            {session.current ? (
              <strong> (this device)</strong>
            ) : (
              <button
                data-testid="device-revoke"
                type="button"
                disabled={revoking.includes(session.id)}
                onClick={() => void revoke(session.id)}
              >
                Log out
              </button>
            )}
          </li>
        ))}
      </ul>
      <button
        data-testid="devices-revoke-others"
        type="button"
        disabled={others === 0 || revoking.includes("others")}
        onClick={() => void revokeOthers()}
      >
        Log out every other device
      </button>{" "}
      <button data-testid="devices-reload" type="button" onClick={() => void reload()}>
        Refresh
      </button>
      {error !== null && (
        <p data-testid="devices-error" role="alert" className="error">
          {accountErrorMessage(error)}
        </p>
      )}
    </section>
  );
}

import { RequireAuth, useSession } from "@latchkey/react";
import type { ReactElement } from "react";
import { HelloPanel } from "./HelloPanel";
import { LoginForm } from "./LoginForm";
import { WhoAmI } from "./WhoAmI";
import { apiUrl, client } from "./latchkey";

/** Which deployment this build talks to: the first thing to check when login fails. */
function DeploymentInfo(): ReactElement {
  return (
    <p className="meta" data-testid="deployment-info">
      Page {location.origin} · API {apiUrl === "" ? "on this origin" : apiUrl} · {client.mode} mode
    </p>
  );
}

function SessionStatus(): ReactElement {
  const { status, error } = useSession();
  return (
    <p>
      Session: <strong data-testid="session-status">{status}</strong>
      {error !== null && (
        <span className="error" data-testid="session-error">
          {" "}
          ({error.detail})
        </span>
      )}
    </p>
  );
}

export function App(): ReactElement {
  return (
    <main>
      <h1>latchkey React example</h1>
      <DeploymentInfo />
      <SessionStatus />
      <RequireAuth loading={<p data-testid="session-loading">Checking your session…</p>} fallback={<LoginForm />}>
        <WhoAmI />
      </RequireAuth>
      <HelloPanel />
    </main>
  );
}

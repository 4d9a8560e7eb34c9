import { RequireAuth, useSession } from "@latchkey/react";
import type { ReactElement } from "react";
import { HelloPanel } from "./HelloPanel";
import { LoginForm } from "./LoginForm";
import { WhoAmI } from "./WhoAmI";

function SessionStatus(): ReactElement {
  const { status, error } = useSession();
  return (
    <p>
      Session: <strong data-testid="session-status">{status}</strong>
      {error !== null && <span className="error"> ({error.detail})</span>}
    </p>
  );
}

export function App(): ReactElement {
  return (
    <main>
      <h1>latchkey React example</h1>
      <SessionStatus />
      <RequireAuth loading={<p data-testid="session-loading">Checking your session…</p>} fallback={<LoginForm />}>
        <WhoAmI />
      </RequireAuth>
      <HelloPanel />
    </main>
  );
}

import { RequireAuth, useSession } from "@latchkey/react";
import type { ReactElement } from "react";
import { HelloPanel } from "./HelloPanel";
import { LoginForm } from "./LoginForm";
import { WhoAmI } from "./WhoAmI";
import { apiUrl, client } from "./latchkey";
import { AccountPage } from "./pages/AccountPage";
import { CheckEmailPage } from "./pages/CheckEmailPage";
import { DevicesPage } from "./pages/DevicesPage";
import { PasskeysPage } from "./pages/PasskeysPage";
import { MfaPage } from "./pages/MfaPage";
import { ForgotPasswordPage } from "./pages/ForgotPasswordPage";
import { ResetPasswordPage } from "./pages/ResetPasswordPage";
import { SignUpPage } from "./pages/SignUpPage";
import { VerifyEmailPage } from "./pages/VerifyEmailPage";
import { Link, useLocation } from "./router";

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

function Nav(): ReactElement {
  const { status } = useSession();
  return (
    <nav className="meta">
      <Link to="/" testId="nav-home">
        Home
      </Link>
      {status === "authenticated" ? (
        <>
          {" · "}
          <Link to="/account" testId="nav-account">
            Account
          </Link>
          {" · "}
          <Link to="/devices" testId="nav-devices">
            Devices
          </Link>
          {" · "}
          <Link to="/passkeys" testId="nav-passkeys">
            Passkeys
          </Link>
          {" · "}
          <Link to="/mfa" testId="nav-mfa">
            Two-factor
          </Link>
        </>
      ) : (
        <>
          {" · "}
          <Link to="/signup" testId="nav-signup">
            Sign up
          </Link>
          {" · "}
          <Link to="/forgot-password" testId="nav-forgot">
            Forgot password
          </Link>
        </>
      )}
    </nav>
  );
}

const LOADING = <p data-testid="session-loading">Checking your session…</p>;

/** Pages for a logged-in user: the login form stands in for them otherwise. */
function Private({ children }: { children: ReactElement }): ReactElement {
  return (
    <RequireAuth loading={LOADING} fallback={<LoginForm />}>
      {children}
    </RequireAuth>
  );
}

function Page(): ReactElement {
  const { path } = useLocation();
  switch (path.replace(/\/+$/, "") || "/") {
    case "/signup":
      return <SignUpPage />;
    case "/check-email":
      return <CheckEmailPage />;
    case "/verify-email":
      return <VerifyEmailPage />;
    case "/forgot-password":
      return <ForgotPasswordPage />;
    case "/reset-password":
      return <ResetPasswordPage />;
    case "/account":
      return (
        <Private>
          <AccountPage />
        </Private>
      );
    case "/devices":
      return (
        <Private>
          <DevicesPage />
        </Private>
      );
    case "/passkeys":
      return (
        <Private>
          <PasskeysPage />
        </Private>
      );
    case "/mfa":
      return (
        <Private>
          <MfaPage />
        </Private>
      );
    default:
      return (
        <>
          <RequireAuth loading={LOADING} fallback={<LoginForm />}>
            <WhoAmI />
          </RequireAuth>
          <HelloPanel />
        </>
      );
  }
}

export function App(): ReactElement {
  return (
    <main>
      <h1>latchkey React example</h1>
      <DeploymentInfo />
      <SessionStatus />
      <Nav />
      <Page />
    </main>
  );
}

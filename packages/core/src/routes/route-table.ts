import type { ResolvedConfig } from "../config/resolved-config.js";
import { csrfRoute, sessionRoute } from "./csrf-routes.js";
import { loginRoute } from "./login-route.js";
import { logoutRoute } from "./logout-route.js";
import { passwordChangeRoute } from "./password-change-route.js";
import type { RouteDefinition } from "./route-definition.js";
import { tokenLoginRoute, tokenLogoutAllRoute, tokenLogoutRoute } from "./token-routes.js";
import { whoamiRoute } from "./whoami-route.js";
import { emailChangeRoute, emailVerifyResendRoute, emailVerifyRoute } from "./email-routes.js";
import { passwordResetConfirmRoute, passwordResetRoute } from "./password-reset-routes.js";
import { accountDeleteRoute, reauthenticateRoute } from "./reauthenticate-route.js";
import { sessionsRevokeOthersRoute, sessionsRoute } from "./sessions-routes.js";
import { signupRoute } from "./signup-route.js";
import { passkeyLoginOptionsRoute, passkeyLoginRoute } from "./passkey-login-routes.js";
import { passkeyRegisterOptionsRoute, passkeyRegisterRoute, passkeysRoute } from "./passkey-routes.js";
import { mfaAuthenticateRoute } from "../mfa/mfa-authenticate-route.js";
import { mfaWebauthnOptionsRoute } from "../mfa/mfa-webauthn-options-route.js";
import {
  mfaRecoveryCodesRoute,
  mfaStatusRoute,
  mfaTotpConfirmRoute,
  mfaTotpRoute,
  mfaTotpSetupRoute,
} from "../mfa/mfa-routes.js";

/** Every route latchkey defines (the OpenAPI route is added by the dispatcher, which owns the document). */
export const ROUTES: readonly RouteDefinition[] = Object.freeze([
  csrfRoute,
  sessionRoute,
  loginRoute,
  logoutRoute,
  whoamiRoute,
  passwordChangeRoute,
  tokenLoginRoute,
  tokenLogoutRoute,
  tokenLogoutAllRoute,
  // Account lifecycle (SPEC §2a).
  signupRoute,
  emailVerifyRoute,
  emailVerifyResendRoute,
  passwordResetRoute,
  passwordResetConfirmRoute,
  reauthenticateRoute,
  emailChangeRoute,
  accountDeleteRoute,
  sessionsRoute,
  sessionsRevokeOthersRoute,
  // Passkeys (SPEC §2b).
  passkeysRoute,
  passkeyRegisterOptionsRoute,
  passkeyRegisterRoute,
  passkeyLoginOptionsRoute,
  passkeyLoginRoute,
  // Second factors (SPEC §2b).
  mfaStatusRoute,
  mfaTotpSetupRoute,
  mfaTotpConfirmRoute,
  mfaTotpRoute,
  mfaRecoveryCodesRoute,
  mfaAuthenticateRoute,
  mfaWebauthnOptionsRoute,
]);

/**
 * A map from every enabled path (aliases included, without trailing slash) to its route,
 * built once so dispatch is one Map lookup.
 */
export function buildRouteMap(
  routes: readonly RouteDefinition[],
  config: ResolvedConfig,
): ReadonlyMap<string, RouteDefinition> {
  const map = new Map<string, RouteDefinition>();
  for (const route of routes) for (const path of config.routes[route.name]) map.set(path, route);
  return map;
}

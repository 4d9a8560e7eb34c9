import { HttpError } from "../errors.js";
import { authenticationOptions } from "../passkeys/passkey-assertion.js";
import { passkeyContext } from "../routes/passkey-routes.js";
import { requestOptionsSchema } from "../routes/passkey-schemas.js";
import type { RouteDefinition } from "../routes/route-definition.js";
import { respond } from "../routes/respond.js";
import { errorSchema } from "../routes/schemas.js";
import { hasPasskeyFactor, mfaStoreOf } from "./mfa-guard.js";
import { pendingLoginRequestSchema } from "./mfa-schemas.js";
import { countPasskeyOptions } from "./mfa-throttle.js";
import { readPendingRequest } from "./pending-request.js";

export const mfaWebauthnOptionsRoute: RouteDefinition = {
  name: "mfaWebauthnOptions",
  methods: ["POST"],
  summary: "Start the passkey step of a login",
  description:
    "For a login that answered 401 `mfa_required` with `webauthn` in `methods`: answers the options for `navigator.credentials.get()`, listing the passkeys of the pending login's user and carrying a single-use challenge bound to that user (it expires after `passkeys.challengeTtlSeconds`). Send the browser's answer as `credential` to `POST /mfa/authenticate/`. The pending login is found like there: its HttpOnly cookie (CSRF-checked like login) or `mfaToken` in the body. At most `mfa.attemptsPerPendingLogin` options per pending login.",
  security: [],
  csrf: true,
  requestBody: pendingLoginRequestSchema,
  responses: {
    200: { description: "Request options for this user's passkeys.", schema: requestOptionsSchema },
    400: {
      description:
        "No live pending login (`mfa_login_invalid`): log in again; or the user has no passkey (`mfa_webauthn_unavailable`).",
      schema: errorSchema,
    },
    403: { description: "CSRF check failed.", schema: errorSchema },
    429: { description: "Too many options requests on this pending login; see Retry-After.", schema: errorSchema },
  },
  async handle(engine, req) {
    mfaStoreOf(engine);
    const context = passkeyContext(engine);
    const { pending } = await readPendingRequest(engine, req);
    const userId = pending.record.userId;
    if (!(await hasPasskeyFactor(engine, userId))) throw new HttpError("mfa_webauthn_unavailable");
    await countPasskeyOptions(engine, userId, pending.record.tokenHash);
    // The challenge is bound to this user (purpose second_factor): only one of their own passkeys can answer it.
    return respond(200, await authenticationOptions(context, { purpose: "second_factor", userId }));
  },
};

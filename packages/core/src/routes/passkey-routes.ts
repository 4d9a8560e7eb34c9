import { z } from "zod";
import type { Engine } from "../engine.js";
import { HttpError } from "../errors.js";
import { bodyFields, readBodyOnce, stringField } from "../http/body.js";
import type { PasskeyRecord, PasskeyStore } from "../ports/passkey-store.js";
import type { PasskeyContext } from "../passkeys/passkey-challenge.js";
import { registrationCredential } from "../passkeys/credential-input.js";
import { queuePasskeyNotice } from "../passkeys/passkey-notice.js";
import { registerPasskey, registrationOptions } from "../passkeys/passkey-registration.js";
import { storeCall } from "../store-call.js";
import { dropRecoveryCodesWithoutFactor, recoveryCodesForFirstFactor } from "../mfa/first-factor-codes.js";
import { requireFresh, requireSignedIn } from "./account-guards.js";
import {
  creationOptionsSchema,
  passkeyChangedSchema,
  passkeyCreatedSchema,
  passkeyListSchema,
  passkeyRegisterRequestSchema,
} from "./passkey-schemas.js";
import type { RouteDefinition } from "./route-definition.js";
import { respond } from "./respond.js";
import { errorSchema } from "./schemas.js";

/** The passkey store and settings, which exist whenever a passkey route is served. */
export function passkeyContext(engine: Engine): PasskeyContext {
  const store: PasskeyStore | undefined = engine.world.stores.passkeys;
  if (store === undefined || !engine.config.passkeys.enabled) throw new HttpError("not_found");
  return { config: engine.config, world: engine.world, store };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** A passkey as the API shows it: never the public key or the credential id. */
export function describePasskey(passkey: PasskeyRecord): {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
} {
  return {
    id: passkey.id,
    name: passkey.name,
    createdAt: iso(passkey.createdAt),
    lastUsedAt: passkey.lastUsedAt === null ? null : iso(passkey.lastUsedAt),
  };
}

/**
 * A passkey name from the body: trimmed, at most `passkeys.maxNameLength` characters, without
 * control characters (it is shown in lists and quoted in notice mails, so a line break must
 * not forge lines of a mail). `fallback` when absent.
 */
function passkeyName(engine: Engine, fields: Record<string, unknown>, fallback: string | null): string {
  const max = engine.config.passkeys.maxNameLength;
  const value = stringField(fields, "name", max)?.trim();
  if (value === undefined || value === "") {
    if (fallback !== null) return fallback;
    throw new HttpError("invalid_body", { reason: "Please provide name." });
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (!value.isWellFormed() || /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value))
    throw new HttpError("invalid_body", { reason: "name must not contain control characters or line breaks." });
  return value;
}

export const passkeysRoute: RouteDefinition = {
  name: "webauthn",
  methods: ["GET"],
  summary: "Your passkeys",
  description:
    "The caller's registered passkeys, oldest first. `id` is public and names the passkey in `PATCH`/`DELETE {path}/{id}/`.",
  security: ["cookie", "bearer"],
  csrf: false,
  responses: {
    200: { description: "The passkeys.", schema: passkeyListSchema },
    401: { description: "Not logged in.", schema: errorSchema },
  },
  async handle(engine, req) {
    const context = passkeyContext(engine);
    const { auth, cookies } = await requireSignedIn(engine, req);
    const list = await storeCall("passkey", () => context.store.listCredentials(String(auth.user.id)));
    return respond(200, { passkeys: list.map(describePasskey) }, { cookies });
  },
  item: {
    methods: ["PATCH", "DELETE"],
    summary: "Rename or remove one passkey",
    description:
      "`PATCH` with `{name}` renames one of the caller's passkeys. `DELETE` removes it (a fresh session is required, else 403 `reauthentication_required`) and mails a notice. Another user's id is 404, like an unknown one.",
    responses: {
      200: { description: "Renamed (with the passkey) or removed.", schema: passkeyChangedSchema },
      400: { description: "Missing or invalid name.", schema: errorSchema },
      401: { description: "Not logged in.", schema: errorSchema },
      403: {
        description: "CSRF check failed, or (DELETE) the session is not fresh: `reauthentication_required`.",
        schema: errorSchema,
      },
      404: { description: "No such passkey of yours.", schema: errorSchema },
    },
    async handle(engine, req, id) {
      const context = passkeyContext(engine);
      const { auth } = await requireSignedIn(engine, req);
      const userId = String(auth.user.id);
      const mine =
        id.length > 64
          ? undefined
          : (await storeCall("passkey", () => context.store.listCredentials(userId))).find((p) => p.id === id);
      if (req.method === "PATCH") {
        const name = passkeyName(engine, bodyFields(await readBodyOnce(req, engine.config.maxBodyBytes)), null);
        // Someone else's id answers exactly as an unknown one: ids reveal nothing about other users.
        if (mine === undefined || !(await storeCall("passkey", () => context.store.renameCredential(userId, id, name))))
          throw new HttpError("not_found");
        return respond(200, { detail: "Passkey renamed.", passkey: describePasskey({ ...mine, name }) });
      }
      await requireFresh(engine, auth);
      if (mine === undefined || !(await storeCall("passkey", () => context.store.deleteCredential(userId, id))))
        throw new HttpError("not_found");
      engine.world.logger.info({ event: "passkey_removed", userId, passkeyId: id }, "passkey removed by its user");
      await dropRecoveryCodesWithoutFactor(
        engine,
        userId,
        (await storeCall("passkey", () => context.store.listCredentials(userId))).length,
      );
      await queuePasskeyNotice(engine, req, auth.user, "passkeyRemoved", mine.name);
      return respond(200, { detail: "Passkey removed." });
    },
  },
};

export const passkeyRegisterOptionsRoute: RouteDefinition = {
  name: "webauthnRegisterOptions",
  methods: ["POST"],
  summary: "Start registering a passkey",
  description:
    "Needs a fresh session (else 403 `reauthentication_required`): someone at an unlocked browser cannot plant their own passkey. Answers the options for `navigator.credentials.create()` with a single-use challenge that expires after `passkeys.challengeTtlSeconds`.",
  security: ["cookie", "bearer"],
  csrf: true,
  responses: {
    200: { description: "Creation options.", schema: creationOptionsSchema },
    401: { description: "Not logged in.", schema: errorSchema },
    403: {
      description: "CSRF check failed, or the session is not fresh (`reauthentication_required`).",
      schema: errorSchema,
    },
  },
  async handle(engine, req) {
    const context = passkeyContext(engine);
    const { auth } = await requireSignedIn(engine, req);
    await requireFresh(engine, auth);
    return respond(200, await registrationOptions(context, auth.user));
  },
};

export const passkeyRegisterRoute: RouteDefinition = {
  name: "webauthnRegister",
  methods: ["POST"],
  summary: "Finish registering a passkey",
  description:
    "Verifies the browser's answer to the registration options (challenge, origin, RP ID, user verification) and saves the passkey under `name` (default \"Passkey\"). A notice is mailed to the account's address. A passkey is also a second factor: when second factors are on and this is the user's first, the answer carries 10 `recoveryCodes`, shown once.",
  security: ["cookie", "bearer"],
  csrf: true,
  requestBody: passkeyRegisterRequestSchema,
  responses: {
    201: {
      description: "Registered.",
      schema: passkeyCreatedSchema.extend({
        recoveryCodes: z
          .array(z.string())
          .optional()
          .describe("Only with the first second factor: 10 codes, shown once."),
      }),
    },
    400: {
      description:
        "Malformed body; `webauthn_challenge_invalid` (unknown, used or expired challenge); `passkey_invalid` (verification failed); `passkey_already_registered`.",
      schema: errorSchema,
    },
    401: { description: "Not logged in.", schema: errorSchema },
    403: { description: "CSRF check failed.", schema: errorSchema },
  },
  async handle(engine, req) {
    const context = passkeyContext(engine);
    const { auth } = await requireSignedIn(engine, req);
    const fields = bodyFields(await readBodyOnce(req, engine.config.maxBodyBytes));
    const name = passkeyName(engine, fields, "Passkey");
    const credential = registrationCredential(fields);
    const passkey = await registerPasskey(context, String(auth.user.id), credential, name);
    await queuePasskeyNotice(engine, req, auth.user, "passkeyAdded", name);
    // A passkey is a second factor too: the first factor comes with recovery codes, shown once.
    const recoveryCodes = await recoveryCodesForFirstFactor(engine, String(auth.user.id));
    return respond(201, {
      detail: "Passkey registered.",
      passkey: describePasskey(passkey),
      ...(recoveryCodes === undefined ? {} : { recoveryCodes }),
    });
  },
};

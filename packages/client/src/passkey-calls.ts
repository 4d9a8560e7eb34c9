import type { RouteCall } from "./account-calls.js";
import { invalidResponse, isRecord, isUser } from "./parse.js";
import {
  authenticationToJson,
  creationOptionsFromJson,
  registrationToJson,
  requestOptionsFromJson,
} from "./passkey-json.js";
import type { ClientResult, User } from "./types.js";

/** A registered passkey as the server lists it. */
export interface PasskeyInfo {
  /** Public id for rename and delete; never the authenticator's credential id. */
  id: string;
  name: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601, or null before its first use. */
  lastUsedAt: string | null;
}

/**
 * The passkey calls of the client (SPEC §2b): the browser's WebAuthn ceremonies included, so an SPA needs no WebAuthn
 * code.
 */
export interface PasskeyCalls {
  /**
   * Registers a passkey on this device under `name`: options from the server, the browser's
   * passkey dialog (`navigator.credentials.create`), the answer back to the server. Needs a
   * fresh session (403 `reauthentication_required`: call `reauthenticate(password)` first).
   * The user closing the dialog is `passkey_cancelled`; a browser without WebAuthn `passkey_unsupported`.
   * A passkey is also a second factor: when it is the user's first, `recoveryCodes` holds the
   * 10 recovery codes to show once (else null).
   */
  registerPasskey(name: string): Promise<ClientResult<{ passkey: PasskeyInfo; recoveryCodes: string[] | null }>>;
  /**
   * Logs in without a password: the browser offers the passkeys it holds for this site. On success the state becomes
   * authenticated.
   */
  loginWithPasskey(): Promise<ClientResult<{ user: User }>>;
  /** `GET /mfa/webauthn/`: the caller's passkeys. */
  listPasskeys(): Promise<ClientResult<{ passkeys: PasskeyInfo[] }>>;
  /** `PATCH /mfa/webauthn/{id}/`. Another user's id is 404. */
  renamePasskey(id: string, name: string): Promise<ClientResult<{ passkey: PasskeyInfo }>>;
  /** `DELETE /mfa/webauthn/{id}/` (fresh session). */
  deletePasskey(id: string): Promise<ClientResult<{ detail: string }>>;
}

function isPasskeyInfo(value: unknown): value is PasskeyInfo {
  return (
    isRecord(value) &&
    typeof value.id === "string" &&
    typeof value.name === "string" &&
    typeof value.createdAt === "string" &&
    (value.lastUsedAt === null || typeof value.lastUsedAt === "string")
  );
}

function unsupported(): ClientResult<never> | null {
  if (
    typeof navigator !== "undefined" &&
    navigator.credentials !== undefined &&
    typeof PublicKeyCredential !== "undefined"
  )
    return null;
  return {
    ok: false,
    error: {
      status: 0,
      code: "passkey_unsupported",
      detail:
        "This browser does not support passkeys (WebAuthn), or the page is not a secure context (https or localhost).",
    },
  };
}

/** What the browser's dialog threw, as a value: `NotAllowedError` is the user closing it (or its timeout). */
function ceremonyFailed(error: unknown): ClientResult<never> {
  const name = error instanceof Error ? error.name : "";
  const detail = error instanceof Error ? error.message : String(error);
  return {
    ok: false,
    error: {
      status: 0,
      code: name === "NotAllowedError" || name === "AbortError" ? "passkey_cancelled" : "passkey_failed",
      detail,
    },
  };
}

/** Builds the passkey calls over the client's `call`; `onLoggedIn` moves the state to authenticated. */
export function createPasskeyCalls(call: RouteCall, hooks: { onLoggedIn(user: User): void }): PasskeyCalls {
  return {
    async registerPasskey(name) {
      const refused = unsupported();
      if (refused !== null) return refused;
      const options = await call("webauthnRegisterOptions", "POST");
      if (!options.ok) return options;
      if (!isRecord(options.body)) return { ok: false, error: invalidResponse(options.status, "registration options") };
      let credential: Credential | null;
      try {
        credential = await navigator.credentials.create({ publicKey: creationOptionsFromJson(options.body) });
      } catch (error) {
        return ceremonyFailed(error);
      }
      if (!(credential instanceof PublicKeyCredential))
        return ceremonyFailed(new DOMException("No passkey was created.", "NotAllowedError"));
      const answer = await call("webauthnRegister", "POST", { name, credential: registrationToJson(credential) });
      if (!answer.ok) return answer;
      if (!isRecord(answer.body) || !isPasskeyInfo(answer.body.passkey))
        return { ok: false, error: invalidResponse(answer.status, "a passkey registration answer") };
      const codes = answer.body.recoveryCodes;
      const recoveryCodes =
        Array.isArray(codes) && codes.every((c) => typeof c === "string") ? (codes as string[]) : null;
      return { ok: true, data: { passkey: answer.body.passkey, recoveryCodes } };
    },
    async loginWithPasskey() {
      const refused = unsupported();
      if (refused !== null) return refused;
      const options = await call("webauthnLoginOptions", "POST");
      if (!options.ok) return options;
      if (!isRecord(options.body)) return { ok: false, error: invalidResponse(options.status, "login options") };
      let credential: Credential | null;
      try {
        credential = await navigator.credentials.get({ publicKey: requestOptionsFromJson(options.body) });
      } catch (error) {
        return ceremonyFailed(error);
      }
      if (!(credential instanceof PublicKeyCredential))
        return ceremonyFailed(new DOMException("No passkey was chosen.", "NotAllowedError"));
      const answer = await call("webauthnLogin", "POST", { credential: authenticationToJson(credential) });
      if (!answer.ok) return answer;
      const user =
        isRecord(answer.body) && isUser(answer.body.user) ? answer.body.user : isUser(answer.body) ? answer.body : null;
      if (user === null) return { ok: false, error: invalidResponse(answer.status, "a login answer") };
      hooks.onLoggedIn(user);
      return { ok: true, data: { user } };
    },
    async listPasskeys() {
      const answer = await call("webauthn", "GET");
      if (!answer.ok) return answer;
      if (!isRecord(answer.body) || !Array.isArray(answer.body.passkeys) || !answer.body.passkeys.every(isPasskeyInfo))
        return { ok: false, error: invalidResponse(answer.status, "a passkey list") };
      return { ok: true, data: { passkeys: answer.body.passkeys } };
    },
    async renamePasskey(id, name) {
      const answer = await call("webauthn", "PATCH", { name }, `${encodeURIComponent(id)}/`);
      if (!answer.ok) return answer;
      if (!isRecord(answer.body) || !isPasskeyInfo(answer.body.passkey))
        return { ok: false, error: invalidResponse(answer.status, "a passkey rename answer") };
      return { ok: true, data: { passkey: answer.body.passkey } };
    },
    async deletePasskey(id) {
      const answer = await call("webauthn", "DELETE", undefined, `${encodeURIComponent(id)}/`);
      if (!answer.ok) return answer;
      if (!isRecord(answer.body) || typeof answer.body.detail !== "string")
        return { ok: false, error: invalidResponse(answer.status, "a detail answer") };
      return { ok: true, data: { detail: answer.body.detail } };
    },
  };
}

/**
 * The browser's passkey dialog for request options the server answered (`navigator.credentials.get`),
 * resolving to the JSON of the chosen passkey's answer, or a refusal as a value
 * (`passkey_unsupported`, `passkey_cancelled`, `passkey_failed`, or an invalid options answer).
 */
export async function passkeyAssertion(
  options: unknown,
  status: number,
): Promise<ClientResult<Record<string, unknown>>> {
  const refused = unsupported();
  if (refused !== null) return refused;
  if (!isRecord(options)) return { ok: false, error: invalidResponse(status, "request options") };
  let credential: Credential | null;
  try {
    credential = await navigator.credentials.get({ publicKey: requestOptionsFromJson(options) });
  } catch (error) {
    return ceremonyFailed(error);
  }
  if (!(credential instanceof PublicKeyCredential))
    return ceremonyFailed(new DOMException("No passkey was chosen.", "NotAllowedError"));
  return { ok: true, data: authenticationToJson(credential) as unknown as Record<string, unknown> };
}

/** Whether this browser can run a passkey ceremony at all; the refusal as a value when it cannot. */
export function passkeysUnsupported(): ClientResult<never> | null {
  return unsupported();
}

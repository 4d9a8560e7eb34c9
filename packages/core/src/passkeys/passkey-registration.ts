import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { HttpError } from "../errors.js";
import type { PasskeyRecord } from "../ports/passkey-store.js";
import type { User } from "../ports/user-store.js";
import { randomBase64url } from "../random.js";
import { storeCall } from "../store-call.js";
import { issueChallenge, takeChallenge, type PasskeyContext } from "./passkey-challenge.js";

/** ES256 and RS256 (EdDSA too): what every platform authenticator and security key offers. */
const ALGORITHMS = [-8, -7, -257];

/**
 * The options for `navigator.credentials.create()`: a fresh challenge bound to `user`, a
 * discoverable (resident) credential so it can log in without a username, and the user's
 * existing credentials excluded so one authenticator is not registered twice.
 */
export async function registrationOptions(
  context: PasskeyContext,
  user: User,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const userId = String(user.id);
  const existing = await storeCall("passkey", () => context.store.listCredentials(userId));
  const challenge = await issueChallenge(context, "register", userId);
  const { passkeys } = context.config;
  return generateRegistrationOptions({
    rpName: passkeys.rpName,
    rpID: passkeys.rpId,
    userName: user.username,
    userDisplayName: [user.firstName, user.lastName].filter((p) => p !== "").join(" ") || user.username,
    // The user handle is the account's id: stable, so re-registering on one authenticator replaces its old entry.
    userID: new TextEncoder().encode(userId),
    challenge,
    timeout: passkeys.challengeTtlSeconds * 1000,
    attestationType: "none",
    excludeCredentials: existing.map((c) => ({
      id: c.credentialId,
      transports: c.transports as AuthenticatorTransportFuture[],
    })),
    authenticatorSelection: {
      residentKey: "required",
      requireResidentKey: true,
      userVerification: passkeys.userVerification,
    },
    supportedAlgorithmIDs: ALGORITHMS,
  });
}

/**
 * Verifies a registration response for `userId` and saves the credential named `name`.
 * Checked: the challenge (single-use, unexpired, issued to this user for registration), the
 * origin and RP ID (a phishing site's response carries its own origin and RP ID hash, and is
 * refused), user presence and, when required, user verification. A credential id already
 * registered (to anyone) is 400 `passkey_already_registered`.
 */
export async function registerPasskey(
  context: PasskeyContext,
  userId: string,
  response: RegistrationResponseJSON,
  name: string,
): Promise<PasskeyRecord> {
  const { challenge, userId: issuedTo } = await takeChallenge(context, response.response.clientDataJSON, "register");
  // A challenge issued to another account cannot register a key on this one.
  if (issuedTo !== userId) throw new HttpError("webauthn_challenge_invalid");
  const { passkeys } = context.config;
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: [...passkeys.origins],
      expectedRPID: passkeys.rpId,
      requireUserVerification: passkeys.userVerification === "required",
      supportedAlgorithmIDs: ALGORITHMS,
    });
  } catch (error) {
    context.world.logger.warn(
      { event: "passkey_register_refused", userId, reason: error instanceof Error ? error.message : String(error) },
      "passkey registration refused",
    );
    throw new HttpError("passkey_invalid");
  }
  if (!verified.verified) throw new HttpError("passkey_invalid");
  const info = verified.registrationInfo;
  const record: PasskeyRecord = {
    id: randomBase64url(context.world.random, 16),
    userId,
    credentialId: info.credential.id,
    publicKey: new Uint8Array(info.credential.publicKey),
    counter: info.credential.counter,
    transports: [...(info.credential.transports ?? [])],
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    name,
    createdAt: context.world.clock.now(),
    lastUsedAt: null,
  };
  if (!(await storeCall("passkey", () => context.store.createCredential(record))))
    throw new HttpError("passkey_already_registered");
  context.world.logger.info({ event: "passkey_registered", userId, passkeyId: record.id }, "passkey registered");
  return record;
}

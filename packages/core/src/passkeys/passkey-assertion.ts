import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/server";
import { HttpError } from "../errors.js";
import type { PasskeyRecord } from "../ports/passkey-store.js";
import { storeCall } from "../store-call.js";
import { issueChallenge, takeChallenge, type PasskeyContext } from "./passkey-challenge.js";

/**
 * What a passkey assertion is for: a passwordless login (any user's discoverable credential) or a second factor of one
 * user.
 */
export type AssertionPurpose = { purpose: "login" } | { purpose: "second_factor"; userId: string };

/**
 * The options for `navigator.credentials.get()`. For a passwordless login the list of
 * allowed credentials is empty (the browser offers every discoverable passkey it holds for
 * this RP ID: nobody learns which accounts exist); for a second factor it lists the user's
 * credentials.
 */
export async function authenticationOptions(
  context: PasskeyContext,
  target: AssertionPurpose,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const userId = target.purpose === "second_factor" ? target.userId : null;
  const allow = userId === null ? [] : await storeCall("passkey", () => context.store.listCredentials(userId));
  const challenge = await issueChallenge(context, target.purpose, userId);
  const { passkeys } = context.config;
  return generateAuthenticationOptions({
    rpID: passkeys.rpId,
    challenge,
    timeout: passkeys.challengeTtlSeconds * 1000,
    userVerification: passkeys.userVerification,
    allowCredentials: allow.map((c) => ({
      id: c.credentialId,
      transports: c.transports as AuthenticatorTransportFuture[],
    })),
  });
}

/**
 * Verifies an authentication response against its stored challenge and records the use;
 * resolves to the credential (whose `userId` is the user who proved possession). The seam
 * both the passwordless login and the second-factor step use.
 *
 * Every failure after the challenge is taken is one answer, 400 `passkey_invalid`, so an
 * attacker learns nothing about which check failed. What each check stops:
 * - the challenge is taken first and single-use (replay of a captured response);
 * - origin and RP ID are checked (a response a phishing site obtained carries its origin and
 *   RP ID hash);
 * - for a second factor, the credential must belong to the user the challenge was issued to
 *   (another user's passkey cannot complete this user's login);
 * - the signature is checked against the stored public key (forgery);
 * - the sign counter must grow where the authenticator keeps one, and is recorded by
 *   compare-and-set, so a cloned authenticator (or two racing copies of one assertion) is
 *   refused; a regression is logged as a possible clone.
 */
export async function verifyPasskeyAssertion(
  context: PasskeyContext,
  response: AuthenticationResponseJSON,
  target: AssertionPurpose,
): Promise<PasskeyRecord> {
  const { challenge, userId: issuedTo } = await takeChallenge(
    context,
    response.response.clientDataJSON,
    target.purpose,
  );
  const expectedUser = target.purpose === "second_factor" ? target.userId : null;
  if (issuedTo !== expectedUser) throw new HttpError("webauthn_challenge_invalid");
  const { logger } = context.world;
  const passkey = await storeCall("passkey", () => context.store.findByCredentialId(response.id));
  if (passkey === null || (expectedUser !== null && passkey.userId !== expectedUser)) {
    logger.warn(
      {
        event: "passkey_assertion_refused",
        reason: passkey === null ? "unknown credential" : "credential of another user",
      },
      "passkey assertion refused",
    );
    throw new HttpError("passkey_invalid");
  }
  const { passkeys } = context.config;
  let newCounter: number;
  try {
    const verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: [...passkeys.origins],
      expectedRPID: passkeys.rpId,
      credential: {
        id: passkey.credentialId,
        publicKey: new Uint8Array(passkey.publicKey),
        counter: passkey.counter,
        transports: passkey.transports as AuthenticatorTransportFuture[],
      },
      requireUserVerification: passkeys.userVerification === "required",
    });
    if (!verified.verified) throw new Error("signature not verified");
    newCounter = verified.authenticationInfo.newCounter;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const clone = reason.includes("counter");
    logger.warn(
      {
        event: clone ? "passkey_counter_regressed" : "passkey_assertion_refused",
        userId: passkey.userId,
        passkeyId: passkey.id,
        reason,
      },
      clone ? "passkey refused: its sign counter went back (a cloned authenticator?)" : "passkey assertion refused",
    );
    throw new HttpError("passkey_invalid");
  }
  const now = context.world.clock.now();
  // Compare-and-set: of two assertions carrying the same counter (a clone racing the original), one records.
  if (!(await storeCall("passkey", () => context.store.recordUse(passkey.id, passkey.counter, newCounter, now)))) {
    logger.warn(
      { event: "passkey_counter_regressed", userId: passkey.userId, passkeyId: passkey.id },
      "passkey refused: its counter changed meanwhile",
    );
    throw new HttpError("passkey_invalid");
  }
  return { ...passkey, counter: newCounter, lastUsedAt: now };
}

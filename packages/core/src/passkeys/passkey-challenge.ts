import type { ResolvedConfig, ResolvedWorld } from "../config/resolved-config.js";
import { sha256Hex } from "../encoding.js";
import { HttpError } from "../errors.js";
import type { PasskeyStore, WebauthnChallengePurpose } from "../ports/passkey-store.js";
import { storeCall } from "../store-call.js";

/** What the passkey functions need: the resolved settings, the clock, randomness and logger, and the passkey store. */
export interface PasskeyContext {
  readonly config: ResolvedConfig;
  readonly world: Pick<ResolvedWorld, "clock" | "random" | "logger">;
  readonly store: PasskeyStore;
}

/** Bytes of a challenge: 256 bits from the CSPRNG, far beyond guessing (WebAuthn asks for at least 128). */
const CHALLENGE_BYTES = 32;

/**
 * Issues a challenge: random, saved only as its SHA-256 (a leaked database holds no answerable
 * challenge), single-use and expiring after `passkeys.challengeTtlSeconds`. Resolves to the
 * challenge's bytes, which the WebAuthn options carry to the browser.
 */
export async function issueChallenge(
  context: PasskeyContext,
  purpose: WebauthnChallengePurpose,
  userId: string | null,
): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = context.world.random.fill(new Uint8Array(CHALLENGE_BYTES));
  const challenge = Buffer.from(bytes).toString("base64url");
  const expiresAt = context.world.clock.now() + context.config.passkeys.challengeTtlSeconds * 1000;
  await storeCall("passkey", () =>
    context.store.saveChallenge({ challengeHash: sha256Hex(challenge), purpose, userId, expiresAt }),
  );
  return new Uint8Array(bytes);
}

/** The challenge a browser signed, read from the response's `clientDataJSON`, or null when that is not readable. */
export function signedChallenge(clientDataJSON: string): string | null {
  try {
    const data: unknown = JSON.parse(Buffer.from(clientDataJSON, "base64url").toString("utf8"));
    if (
      typeof data === "object" &&
      data !== null &&
      "challenge" in data &&
      typeof data.challenge === "string" &&
      data.challenge.length <= 512
    )
      return data.challenge;
  } catch {
    // Not base64url JSON: falls through to null.
  }
  return null;
}

/**
 * Takes the challenge a response answers out of the store, before anything else is checked.
 * Replay: a captured response (or a burst of copies of one) finds its challenge gone after
 * the first use, so it answers one ceremony at most; an expired or unknown challenge, or one
 * issued for another purpose (a login challenge never registers a key), is refused with 400
 * `webauthn_challenge_invalid`.
 */
export async function takeChallenge(
  context: PasskeyContext,
  clientDataJSON: string,
  purpose: WebauthnChallengePurpose,
): Promise<{ challenge: string; userId: string | null }> {
  const challenge = signedChallenge(clientDataJSON);
  if (challenge === null) throw new HttpError("passkey_invalid");
  const now = context.world.clock.now();
  const record = await storeCall("passkey", () => context.store.consumeChallenge(sha256Hex(challenge), purpose, now));
  if (record === null) throw new HttpError("webauthn_challenge_invalid");
  return { challenge, userId: record.userId };
}

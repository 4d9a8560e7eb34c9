import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { z } from "zod";
import { HttpError } from "../errors.js";

const base64url = z
  .string()
  .max(16_384)
  .regex(/^[A-Za-z0-9_-]*$/);
const common = {
  id: base64url.min(1).max(1_024),
  rawId: base64url.min(1).max(1_024),
  type: z.literal("public-key"),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
};

/**
 * The JSON form of a `navigator.credentials.create()` result (as `@simplewebauthn/browser` and
 * `PublicKeyCredential.toJSON()` send it).
 */
export const registrationCredentialSchema = z.object({
  ...common,
  response: z.object({
    clientDataJSON: base64url,
    attestationObject: base64url,
    transports: z.array(z.string().max(32)).max(16).optional(),
  }),
});

/** The JSON form of a `navigator.credentials.get()` result. */
export const authenticationCredentialSchema = z.object({
  ...common,
  response: z.object({
    clientDataJSON: base64url,
    authenticatorData: base64url,
    signature: base64url,
    userHandle: base64url.optional().nullable(),
  }),
});

function parse<T>(schema: z.ZodType<T>, fields: Record<string, unknown>): T {
  const result = schema.safeParse(fields.credential);
  if (!result.success)
    throw new HttpError("invalid_body", {
      reason: "Please provide credential: the JSON of the browser's passkey response (PublicKeyCredential).",
    });
  return result.data;
}

type Transport = NonNullable<RegistrationResponseJSON["response"]["transports"]>[number];

/** The `credential` field of a registration body, checked for shape (not yet for meaning), or 400. */
export function registrationCredential(fields: Record<string, unknown>): RegistrationResponseJSON {
  const parsed = parse(registrationCredentialSchema, fields);
  const { transports } = parsed.response;
  return {
    id: parsed.id,
    rawId: parsed.rawId,
    type: parsed.type,
    clientExtensionResults: parsed.clientExtensionResults,
    ...(parsed.authenticatorAttachment === undefined
      ? {}
      : { authenticatorAttachment: parsed.authenticatorAttachment }),
    response: {
      clientDataJSON: parsed.response.clientDataJSON,
      attestationObject: parsed.response.attestationObject,
      // Hints for the browser only; the strings are kept as the authenticator reported them.
      ...(transports === undefined ? {} : { transports: transports as Transport[] }),
    },
  };
}

/** The `credential` field of a login body, checked for shape, or 400. */
export function authenticationCredential(fields: Record<string, unknown>): AuthenticationResponseJSON {
  const parsed = parse(authenticationCredentialSchema, fields);
  const { userHandle } = parsed.response;
  return {
    id: parsed.id,
    rawId: parsed.rawId,
    type: parsed.type,
    clientExtensionResults: parsed.clientExtensionResults,
    ...(parsed.authenticatorAttachment === undefined
      ? {}
      : { authenticatorAttachment: parsed.authenticatorAttachment }),
    response: {
      clientDataJSON: parsed.response.clientDataJSON,
      authenticatorData: parsed.response.authenticatorData,
      signature: parsed.response.signature,
      ...(typeof userHandle === "string" ? { userHandle } : {}),
    },
  };
}

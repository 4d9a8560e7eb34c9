import { z } from "zod";

export const passkeyInfoSchema = z
  .object({
    id: z.string().describe("Public id, used in `{path}/{id}/`; never the authenticator's credential id."),
    name: z.string(),
    createdAt: z.string().describe("ISO 8601"),
    lastUsedAt: z.string().nullable().describe("ISO 8601, or null before its first use"),
  })
  .meta({ id: "PasskeyInfo" });

export const passkeyListSchema = z.object({ passkeys: z.array(passkeyInfoSchema) });
export const passkeyCreatedSchema = z.object({ detail: z.string(), passkey: passkeyInfoSchema });
export const passkeyChangedSchema = z.object({
  detail: z.string(),
  passkey: passkeyInfoSchema.optional().describe("The renamed passkey (PATCH only)."),
});
export const passkeyNameSchema = z.object({ name: z.string().max(64) });

const credentialJsonSchema = z
  .looseObject({
    id: z.string(),
    rawId: z.string(),
    type: z.literal("public-key"),
    response: z.looseObject({ clientDataJSON: z.string() }),
  })
  .describe(
    "The JSON of the browser's PublicKeyCredential (`credential.toJSON()`, or what @simplewebauthn/browser returns).",
  );

export const passkeyRegisterRequestSchema = z.object({
  credential: credentialJsonSchema,
  name: z.string().max(64).optional(),
});
export const passkeyLoginRequestSchema = z.object({ credential: credentialJsonSchema });

export const creationOptionsSchema = z
  .looseObject({
    challenge: z.string(),
    rp: z.looseObject({ name: z.string() }),
    user: z.looseObject({ id: z.string(), name: z.string() }),
    pubKeyCredParams: z.array(z.looseObject({})),
  })
  .describe(
    "PublicKeyCredentialCreationOptionsJSON: pass to `PublicKeyCredential.parseCreationOptionsFromJSON()` or @simplewebauthn/browser's startRegistration().",
  );
export const requestOptionsSchema = z
  .looseObject({ challenge: z.string(), rpId: z.string().optional() })
  .describe(
    "PublicKeyCredentialRequestOptionsJSON: pass to `PublicKeyCredential.parseRequestOptionsFromJSON()` or @simplewebauthn/browser's startAuthentication().",
  );

import { z } from "zod";
import { passkeyLoginRequestSchema } from "../routes/passkey-schemas.js";
import { errorSchema } from "../routes/schemas.js";

/** JSON shapes of the second-factor routes (SPEC §2b), for the OpenAPI document and the tests. */
export const mfaMethodSchema = z
  .enum(["totp", "webauthn", "recovery_code"])
  .describe("A second factor the user can finish the login with (`webauthn`: one of their passkeys).");

export const mfaRequiredSchema = errorSchema
  .extend({
    methods: z.array(mfaMethodSchema),
    mfaToken: z.string().optional().describe("Token logins only: send it back as `mfaToken` with the code."),
  })
  .meta({ id: "MfaRequired" });

export const passkeySummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string().describe("ISO 8601"),
  lastUsedAt: z.string().nullable().describe("ISO 8601, null before the first use"),
});

export const mfaStatusSchema = z
  .object({
    totp: z.boolean().describe("An authenticator app is active."),
    recoveryCodes: z.object({ remaining: z.number().int() }),
    passkeys: z.array(passkeySummarySchema),
  })
  .meta({ id: "MfaStatus" });

export const totpSetupSchema = z.object({
  secret: z.string().describe("The secret in base32, for apps that cannot scan."),
  otpauthUrl: z.string().describe("`otpauth://totp/…` (issuer = product name, label = username)."),
  qrSvg: z.string().describe("The URL as a QR code, SVG."),
});

export const recoveryCodesSchema = z.array(z.string()).describe("Shown once: only their hashes are kept.");
export const codeRequestSchema = z.object({ code: z.string().describe("A 6-digit TOTP code, or a recovery code.") });
export const authenticateRequestSchema = z.object({
  code: z.string().optional().describe("A 6-digit TOTP code, or a recovery code. Send either `code` or `credential`."),
  credential: passkeyLoginRequestSchema.shape.credential
    .optional()
    .describe(
      "Instead of `code`: the browser's answer to the options of `POST /mfa/webauthn/authenticate/options/` (the JSON of the PublicKeyCredential).",
    ),
  mfaToken: z
    .string()
    .optional()
    .describe(
      "The `mfaToken` of a token login's `mfa_required` answer; cookie logins send none (the pending-login cookie carries it).",
    ),
});
export const totpConfirmResponseSchema = z.object({
  detail: z.string(),
  recoveryCodes: recoveryCodesSchema.optional().describe("Only with the first factor: 10 codes, shown once."),
});
export const recoveryCodesResponseSchema = z.object({ recoveryCodes: recoveryCodesSchema });
export const pendingLoginRequestSchema = z.object({
  mfaToken: z
    .string()
    .optional()
    .describe(
      "The `mfaToken` of a token login's `mfa_required` answer; cookie logins send none (the pending-login cookie carries it).",
    ),
});

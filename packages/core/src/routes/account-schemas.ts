import { z } from "zod";
import { userSchema } from "./schemas.js";

/** JSON shapes of the account-lifecycle routes (SPEC §2a), for the OpenAPI document and the tests. */
export const signupRequestSchema = z
  .object({
    username: z.string().max(150),
    email: z.string().max(254),
    password: z.string(),
    firstName: z.string().max(150).optional(),
    lastName: z.string().max(150).optional(),
  })
  .meta({ id: "SignupRequest" });

export const signupPendingSchema = z.object({ detail: z.string(), code: z.literal("verification_sent") });
export const signupResponseSchema = z.object({ detail: z.string(), user: userSchema });
export const keyRequestSchema = z.object({ key: z.string().describe("The key from the emailed link (`?key=`).") });
export const emailRequestSchema = z.object({ email: z.string().max(254) });
export const acceptedSchema = z.object({ detail: z.string() }).describe("The same body whatever the address.");
export const verifiedSchema = z.object({ detail: z.string(), email: z.string().describe("The address now verified.") });
export const resetConfirmRequestSchema = z.object({ key: z.string(), new_password: z.string() });
export const passwordRequestSchema = z.object({ password: z.string() });
export const reauthenticateResponseSchema = z.object({
  detail: z.string(),
  freshUntil: z.string().describe("ISO 8601"),
});

export const sessionInfoSchema = z
  .object({
    id: z.string().describe("Public id; never the token."),
    current: z.boolean().describe("The session this request came with."),
    kind: z.enum(["cookie", "bearer"]),
    createdAt: z.string().describe("ISO 8601"),
    lastSeenAt: z.string().describe("ISO 8601"),
    expiresAt: z.string().describe("ISO 8601"),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    label: z.string().nullable(),
  })
  .meta({ id: "SessionInfo" });

export const sessionsResponseSchema = z.object({ sessions: z.array(sessionInfoSchema) });
export const revokedSchema = z.object({ revoked: z.number().int() });

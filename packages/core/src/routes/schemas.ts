import { ERRORS } from "@latchkey/protocol";
import { z } from "zod";

/**
 * JSON shapes of the routes, as zod schemas: the OpenAPI document is generated from them,
 * and the tests check real responses against them, so docs and behaviour cannot drift.
 */
export const errorSchema = z
  .object({
    detail: z.string().describe("Human-readable explanation."),
    code: z
      .enum(Object.keys(ERRORS) as [keyof typeof ERRORS, ...(keyof typeof ERRORS)[]])
      .optional()
      .describe("Stable machine-readable code."),
    isAuthenticated: z.literal(false).optional(),
  })
  .meta({ id: "Error" });

export const userCamelSchema = z
  .object({
    id: z.union([z.number(), z.string()]),
    username: z.string(),
    email: z.string(),
    firstName: z.string(),
    lastName: z.string(),
    isActive: z.boolean(),
    isStaff: z.boolean(),
    isSuperuser: z.boolean(),
    groups: z.array(z.string()),
    permissions: z.array(z.string()),
    dateJoined: z.string().describe("ISO 8601"),
    lastLogin: z.string().nullable().describe("ISO 8601, null before the first login"),
  })
  .meta({ id: "User", description: 'The user, as rendered with userShape "camel" (the default).' });

export const userDrfSchema = z
  .object({
    id: z.union([z.number(), z.string()]),
    username: z.string(),
    email: z.string(),
    first_name: z.string(),
    last_name: z.string(),
    date_joined: z.string(),
    is_staff: z.boolean(),
  })
  .meta({ id: "DrfUser", description: 'The user, as rendered with userShape "drf" (Django REST Framework\'s shape).' });

export const userSchema = z.union([userCamelSchema, userDrfSchema]);

export const detailSchema = z.object({ detail: z.string() });

export const csrfResponseSchema = z.object({ detail: z.literal("CSRF cookie set") });
export const sessionResponseSchema = z.object({ isAuthenticated: z.boolean() });

export const loginRequestSchema = z
  .object({
    username: z.string().max(150),
    password: z.string(),
  })
  .meta({ id: "LoginRequest", description: "Or send `Authorization: Basic base64(username:password)` with no body." });

export const loginResponseSchema = z.union([
  z.object({ detail: z.literal("Successfully logged in."), user: userSchema }),
  userSchema.describe(
    'With loginResponse "user": the user object alone, as Django REST Framework\'s Response(UserSerializer(user).data).',
  ),
]);

export const tokenLoginRequestSchema = z.object({
  username: z.string().max(150),
  password: z.string(),
  label: z.string().max(100).optional().describe("A device name shown in session lists."),
});

export const tokenLoginResponseSchema = z.object({
  token: z.string().describe("Send as `Authorization: Bearer <token>`. Shown once; only its hash is stored."),
  expiry: z.string().describe("ISO 8601: the token ends then at the latest (sooner if unused for the idle timeout)."),
  user: userSchema,
});

export const passwordChangeRequestSchema = z.object({
  old_password: z.string(),
  new_password: z.string(),
});

export const passwordChangeResponseSchema = z.object({
  detail: z.literal("Password changed."),
  token: z
    .string()
    .optional()
    .describe("The bearer token that replaces the one used for this request (bearer requests only)."),
});

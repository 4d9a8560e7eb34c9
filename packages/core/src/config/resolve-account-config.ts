import type { RouteName } from "@latchkey/protocol";
import { z } from "zod";
import { MESSAGE_CATALOGUE, type MessageName, type MessageTemplate } from "../mail/message-catalogue.js";
import type { MessageTemplates } from "../mail/render-message.js";
import { loadTemplateFiles, templateProblems } from "../mail/template-files.js";
import { ACCOUNT_DEFAULTS } from "./account-defaults.js";
import type { LatchkeyOptions } from "./options.js";
import type { ResolvedConfig } from "./resolved-config.js";

const seconds = z.number().int().positive();
const window = z.strictObject({ points: z.number().int().positive(), durationSeconds: seconds });
const linkPath = z.string().regex(/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/, "must start with / and be a URL path");
const template = z.strictObject({ subject: z.string().min(1), text: z.string().min(1), html: z.string().min(1) });
const messageNames = Object.keys(MESSAGE_CATALOGUE) as [MessageName, ...MessageName[]];

/** The account-lifecycle entries of the options schema (merged into the main one). */
export const accountOptionsShape = {
  signup: z
    .strictObject({
      enabled: z.boolean().optional(),
      emailVerification: z.enum(["mandatory", "optional", "none"]).optional(),
    })
    .optional(),
  login: z
    .strictObject({
      identifiers: z
        .array(z.enum(["username", "email"]))
        .min(1)
        .optional(),
    })
    .optional(),
  accounts: z
    .strictObject({
      verificationKeyTtlSeconds: seconds.optional(),
      resetKeyTtlSeconds: seconds.optional(),
      emailChangeKeyTtlSeconds: seconds.optional(),
      reauthenticationWindowSeconds: seconds.optional(),
      verifyEmailLinkPath: linkPath.optional(),
      resetPasswordLinkPath: linkPath.optional(),
      signupPerIp: window.optional(),
      mailPerAddress: window.optional(),
      mailPerIp: window.optional(),
    })
    .optional(),
  mail: z
    .strictObject({
      transport: z
        .custom<unknown>(
          (v) => typeof v === "object" && v !== null && typeof (v as Record<string, unknown>).send === "function",
          { message: "must be an object with a send method" },
        )
        .optional(),
      from: z.string().min(3).optional(),
      productName: z.string().min(1).optional(),
      templates: z.partialRecord(z.enum(messageNames), template).optional(),
      templatesDir: z.string().min(1).optional(),
      pollIntervalMs: z.number().int().min(10).max(3_600_000).optional(),
      retryBaseMs: z.number().int().min(1).max(3_600_000).optional(),
      retryMaxMs: z.number().int().min(1).max(86_400_000).optional(),
      leaseMs: z.number().int().min(1_000).max(3_600_000).optional(),
    })
    .optional(),
};

/** The routes that send mail: their links need a trustworthy origin. */
const MAILING_ROUTES: readonly RouteName[] = ["signup", "emailVerifyResend", "passwordReset", "emailChange"];
/** The routes that need an AccountStore. */
const ACCOUNT_STORE_ROUTES: readonly RouteName[] = [
  "signup",
  "emailVerify",
  "emailVerifyResend",
  "passwordReset",
  "passwordResetConfirm",
  "reauthenticate",
  "emailChange",
  "accountDelete",
];

/**
 * Resolves the account-lifecycle settings, turns off the routes the configuration cannot
 * serve (no AccountStore; sign-up not enabled; mail links without a trustworthy origin in
 * production) and adds every problem to `problems`.
 */
export function resolveAccountConfig(
  o: LatchkeyOptions,
  routes: Record<RouteName, readonly string[]>,
  problems: string[],
  context: { production: boolean; publicOrigin: string | null },
): Pick<ResolvedConfig, "signup" | "login" | "accounts" | "mail"> {
  const d = ACCOUNT_DEFAULTS;
  const hasAccountStore = (o.stores as LatchkeyOptions["stores"] | undefined)?.accounts !== undefined;
  const signupEnabled = o.signup?.enabled ?? d.signup.enabled;
  const identifiers = o.login?.identifiers ?? d.login.identifiers;
  const users = (o.stores as LatchkeyOptions["stores"] | undefined)?.users as unknown as
    | Record<string, unknown>
    | undefined;
  const userStoreComplete = typeof users?.getUserByEmail === "function" && typeof users.deleteUser === "function";

  if (signupEnabled && !hasAccountStore)
    problems.push(
      "signup.enabled: sign-up needs stores.accounts (an AccountStore: the built-in SQLite, PostgreSQL and memory stores have one)",
    );
  if (hasAccountStore && !userStoreComplete)
    problems.push(
      "stores.users: the account routes need getUserByEmail() and deleteUser() on the user store (or leave stores.accounts out)",
    );
  if (identifiers.includes("email") && typeof users?.getUserByEmail !== "function")
    problems.push('login.identifiers: "email" needs getUserByEmail() on the user store');
  // Host-header poisoning (a reset link pointing at the attacker's host, carrying the victim's
  // key): in production, emailed links are built only from publicOrigin, never from the request.
  if (signupEnabled && context.production && context.publicOrigin === null) {
    problems.push(
      "signup.enabled: in production, emailed links need publicOrigin (links are never built from the request's Host header, which an attacker controls)",
    );
  }
  if (!hasAccountStore) for (const name of ACCOUNT_STORE_ROUTES) routes[name] = Object.freeze([]);
  if (!signupEnabled) routes.signup = Object.freeze([]);
  if (context.production && context.publicOrigin === null)
    for (const name of MAILING_ROUTES) routes[name] = Object.freeze([]);

  const retryBaseMs = o.mail?.retryBaseMs ?? d.mail.retryBaseMs;
  const retryMaxMs = o.mail?.retryMaxMs ?? d.mail.retryMaxMs;
  if (retryBaseMs > retryMaxMs)
    problems.push(`mail.retryBaseMs (${retryBaseMs}) must not exceed mail.retryMaxMs (${retryMaxMs})`);
  return {
    signup: { enabled: signupEnabled, emailVerification: o.signup?.emailVerification ?? d.signup.emailVerification },
    login: { identifiers: [...new Set(identifiers)] },
    accounts: {
      enabled: hasAccountStore,
      verificationKeyTtlSeconds: o.accounts?.verificationKeyTtlSeconds ?? d.accounts.verificationKeyTtlSeconds,
      resetKeyTtlSeconds: o.accounts?.resetKeyTtlSeconds ?? d.accounts.resetKeyTtlSeconds,
      emailChangeKeyTtlSeconds: o.accounts?.emailChangeKeyTtlSeconds ?? d.accounts.emailChangeKeyTtlSeconds,
      reauthenticationWindowSeconds:
        o.accounts?.reauthenticationWindowSeconds ?? d.accounts.reauthenticationWindowSeconds,
      verifyEmailLinkPath: o.accounts?.verifyEmailLinkPath ?? d.accounts.verifyEmailLinkPath,
      resetPasswordLinkPath: o.accounts?.resetPasswordLinkPath ?? d.accounts.resetPasswordLinkPath,
      signupPerIp: o.accounts?.signupPerIp ?? d.accounts.signupPerIp,
      mailPerAddress: o.accounts?.mailPerAddress ?? d.accounts.mailPerAddress,
      mailPerIp: o.accounts?.mailPerIp ?? d.accounts.mailPerIp,
    },
    mail: {
      from: o.mail?.from ?? d.mail.from,
      productName: o.mail?.productName ?? d.mail.productName,
      templates: messageTemplates(o, problems),
      templatesDir: o.mail?.templatesDir ?? d.mail.templatesDir,
      pollIntervalMs: o.mail?.pollIntervalMs ?? d.mail.pollIntervalMs,
      retryBaseMs,
      retryMaxMs,
      leaseMs: o.mail?.leaseMs ?? d.mail.leaseMs,
      batchSize: d.mail.batchSize,
    },
  };
}

/**
 * The templates in use: the catalogue's, then the files of `mail.templatesDir`, then the
 * inline `mail.templates`, part by part. Every placeholder is checked against the message's
 * (a typo would reach users as literal text), with problems added to `problems`.
 */
function messageTemplates(o: LatchkeyOptions, problems: string[]): MessageTemplates {
  const files =
    typeof o.mail?.templatesDir === "string" ? loadTemplateFiles(o.mail.templatesDir) : { templates: {}, problems: [] };
  problems.push(...files.problems);
  const inline: Partial<Record<MessageName, MessageTemplate>> = o.mail?.templates ?? {};
  const templates = {} as Record<MessageName, MessageTemplate>;
  for (const name of Object.keys(MESSAGE_CATALOGUE) as MessageName[]) {
    const given = inline[name];
    if (given !== undefined && typeof given === "object")
      problems.push(...templateProblems(name, given, (part) => `mail.templates.${name}.${part}`));
    templates[name] = { ...MESSAGE_CATALOGUE[name], ...files.templates[name], ...given };
  }
  return templates;
}

import { isIP } from "node:net";
import type { RouteName } from "@latchkey/protocol";
import { z } from "zod";
import { PASSKEY_DEFAULTS } from "./passkey-defaults.js";
import type { LatchkeyOptions } from "./options.js";
import type { ResolvedConfig } from "./resolved-config.js";

/** The passkey entries of the options schema (merged into the main one). */
export const passkeyOptionsShape = {
  passkeys: z
    .strictObject({
      origins: z.array(z.string()).min(1).optional(),
      rpId: z.string().min(1).max(253).optional(),
      rpName: z.string().min(1).max(100).optional(),
      challengeTtlSeconds: z.number().int().min(30).max(3600).optional(),
      userVerification: z.enum(["required", "preferred"]).optional(),
      loginOptionsPerIp: z
        .strictObject({ points: z.number().int().positive(), durationSeconds: z.number().int().positive() })
        .optional(),
    })
    .optional(),
};

/** The passkey routes; the management ones also need the account lifecycle (re-authentication, notices). */
const PASSKEY_ROUTES: readonly RouteName[] = [
  "webauthn",
  "webauthnRegisterOptions",
  "webauthnRegister",
  "webauthnLoginOptions",
  "webauthnLogin",
];
const MANAGEMENT_ROUTES: readonly RouteName[] = ["webauthn", "webauthnRegisterOptions", "webauthnRegister"];

/** Whether a host is "localhost" or below it: browsers treat those as secure contexts over plain http. */
function isLocalhost(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost");
}

/**
 * Resolves the passkey settings and turns the passkey routes off when the stores have no
 * PasskeyStore, or no origin is known. Inconsistent settings are problems (refused at
 * start): an RP ID that is an IP address or does not cover every origin, and origins that are
 * not secure contexts, would make every ceremony fail in the browser.
 */
export function resolvePasskeyConfig(
  o: LatchkeyOptions,
  routes: Record<RouteName, readonly string[]>,
  problems: string[],
  context: {
    publicOrigin: string | null;
    productName: string;
    hasAccountStore: boolean;
    normaliseOrigin: (value: string) => { origin: string } | { problem: string };
  },
): Pick<ResolvedConfig, "passkeys"> {
  const d = PASSKEY_DEFAULTS;
  const option = o.passkeys;
  const hasPasskeyStore = (o.stores as LatchkeyOptions["stores"] | undefined)?.passkeys !== undefined;
  const origins: string[] = [];
  option?.origins?.forEach((value, i) => {
    const result = context.normaliseOrigin(value);
    if ("problem" in result) problems.push(`passkeys.origins[${i}]: ${result.problem}`);
    else origins.push(result.origin);
  });
  if (origins.length === 0 && option?.origins === undefined && context.publicOrigin !== null)
    origins.push(context.publicOrigin);
  const hosts = origins.map((origin) => new URL(origin).hostname);
  origins.forEach((origin, i) => {
    const host = hosts[i] ?? "";
    // WebAuthn works only in secure contexts: https, or http on localhost.
    if (origin.startsWith("http:") && !isLocalhost(host))
      problems.push(
        `passkeys.origins: "${origin}" is plain http; browsers offer passkeys only over https (or on localhost)`,
      );
  });
  const rpId = (option?.rpId ?? d.rpId ?? hosts[0] ?? "").toLowerCase();
  if (rpId !== "") {
    if (isIP(rpId.replace(/^\[|\]$/g, "")) !== 0)
      problems.push(
        `passkeys.rpId: "${rpId}" is an IP address; a relying-party ID must be a domain name (use localhost or a host name)`,
      );
    // The browser refuses a ceremony whose RP ID is not the origin's host or a parent domain of it.
    origins.forEach((origin, i) => {
      const host = hosts[i] ?? "";
      if (host !== rpId && !host.endsWith(`.${rpId}`))
        problems.push(
          `passkeys.rpId: "${rpId}" does not cover the origin ${origin} (it must be its host name or a parent domain)`,
        );
    });
  }
  const enabled = hasPasskeyStore && origins.length > 0;
  if (!enabled) for (const name of PASSKEY_ROUTES) routes[name] = Object.freeze([]);
  if (!context.hasAccountStore) for (const name of MANAGEMENT_ROUTES) routes[name] = Object.freeze([]);
  return {
    passkeys: {
      enabled,
      origins,
      rpId,
      rpName: option?.rpName ?? d.rpName ?? context.productName,
      challengeTtlSeconds: option?.challengeTtlSeconds ?? d.challengeTtlSeconds,
      userVerification: option?.userVerification ?? d.userVerification,
      loginOptionsPerIp: option?.loginOptionsPerIp ?? d.loginOptionsPerIp,
      maxNameLength: d.maxNameLength,
    },
  };
}

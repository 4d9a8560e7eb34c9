import type { ResolvedConfig, ResolvedWorld } from "../config/resolved-config.js";
import { requestOrigin } from "../http/request-info.js";
import type { LatchkeyRequest } from "../http/request.js";
import type { AccountKeyPurpose, AccountStore } from "../ports/account-store.js";
import type { SessionRecord } from "../ports/session-store.js";
import type { User } from "../ports/user-store.js";
import type { MessageName } from "../mail/message-catalogue.js";
import { renderMessage } from "../mail/render-message.js";
import { randomBase64url } from "../random.js";
import { storeCall } from "../store-call.js";
import { generateAccountKey, passwordStamp } from "./account-key.js";

/** What an emailed key is sent for. */
export interface KeyRequest {
  user: User;
  purpose: AccountKeyPurpose;
  /** The address the key goes to and is bound to. */
  email: string;
  /** For reset keys: the user's current password hash. */
  passwordHash?: string | null;
  message: MessageName;
}

/** Keys, mail and freshness for the account routes. */
export interface AccountLifecycle {
  readonly store: AccountStore;
  /** The origin emailed links point at: publicOrigin, or (development only) the request's own. */
  linkOrigin(req: LatchkeyRequest): string;
  /** Creates a key and queues the message carrying it, in one transaction. */
  issueKey(req: LatchkeyRequest, request: KeyRequest): Promise<void>;
  /** Queues a message that carries no key (a notice). */
  notify(req: LatchkeyRequest, user: User, to: string, message: MessageName, email: string): Promise<void>;
  /** Whether the user's current address is verified (an empty address never is). */
  isVerified(user: Pick<User, "id" | "email">): Promise<boolean>;
  /** Whether a session logged in or re-authenticated within the window. */
  isFresh(session: SessionRecord): Promise<boolean>;
  /**
   * Runs `task` after the response, so its time (and whether it ran) cannot be measured from outside; failures are
   * logged.
   */
  background(name: string, task: () => Promise<void>): void;
  /** Resolves once every background task started so far has finished (tests, shutdown). */
  idle(): Promise<void>;
}

/** The form addresses are compared and stored in for verification: lower case. */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/** Longest address accepted (RFC 5321's path limit). */
export const MAX_EMAIL_LENGTH = 254;

/** A plausible address: one @, no spaces or angle brackets, a dot in the domain. Real proof is the emailed link. */
export function isPlausibleEmail(email: string): boolean {
  return email.length <= MAX_EMAIL_LENGTH && /^[^\s@<>"(),;:\\]+@[^\s@<>"(),;:\\]+\.[^\s@<>"(),;:\\]+$/.test(email);
}

export function createAccountLifecycle(
  config: ResolvedConfig,
  world: ResolvedWorld,
  store: AccountStore,
): AccountLifecycle {
  const pending = new Set<Promise<void>>();

  function linkOrigin(req: LatchkeyRequest): string {
    // Host-header poisoning: a reset link built from the request's Host would let an attacker
    // who asks for the victim's reset get a link to their own host. In production the
    // mailing routes only exist with publicOrigin (resolveAccountConfig).
    return config.publicOrigin ?? requestOrigin(req, config) ?? "http://localhost";
  }

  function ttlSeconds(purpose: AccountKeyPurpose): number {
    if (purpose === "reset_password") return config.accounts.resetKeyTtlSeconds;
    if (purpose === "change_email") return config.accounts.emailChangeKeyTtlSeconds;
    return config.accounts.verificationKeyTtlSeconds;
  }

  function render(req: LatchkeyRequest, user: User, message: MessageName, values: Record<string, string>) {
    return renderMessage(config.mail.templates[message], {
      product: config.mail.productName,
      origin: linkOrigin(req),
      username: user.username,
      ...values,
    });
  }

  function messageId(): string {
    return randomBase64url(world.random, 16);
  }

  return {
    store,
    linkOrigin,

    async issueKey(req, request) {
      const now = world.clock.now();
      const { key, keyHash } = generateAccountKey(world.random);
      const ttl = ttlSeconds(request.purpose);
      const path =
        request.purpose === "reset_password"
          ? config.accounts.resetPasswordLinkPath
          : config.accounts.verifyEmailLinkPath;
      const link = `${linkOrigin(req)}${path}?key=${key}`;
      const rendered = render(req, request.user, request.message, {
        email: request.email,
        link,
        hours: String(Math.max(1, Math.round(ttl / 3600))),
      });
      await storeCall("account", () =>
        store.createKey(
          {
            keyHash,
            purpose: request.purpose,
            userId: String(request.user.id),
            email: request.email,
            passwordStamp: request.purpose === "reset_password" ? passwordStamp(request.passwordHash ?? null) : null,
            createdAt: now,
            expiresAt: now + ttl * 1000,
          },
          { id: messageId(), to: request.email, ...rendered, createdAt: now },
        ),
      );
    },

    async notify(req, user, to, message, email) {
      const rendered = render(req, user, message, { email, link: "", hours: "" });
      await storeCall("account", () =>
        store.enqueueMessage({ id: messageId(), to, ...rendered, createdAt: world.clock.now() }),
      );
    },

    async isVerified(user) {
      if (user.email === "") return false;
      return storeCall("account", () => store.isEmailVerified(String(user.id), emailKey(user.email)));
    },

    async isFresh(session) {
      const freshAt = await storeCall("account", () => store.getSessionFreshAt(session.id));
      const since = Math.max(session.createdAt, freshAt ?? 0);
      return world.clock.now() - since <= config.accounts.reauthenticationWindowSeconds * 1000;
    },

    background(name, task) {
      // setImmediate: after the response was written, even for a synchronous store (SQLite).
      const run = new Promise<void>((resolve) => setImmediate(resolve)).then(task).catch((error: unknown) => {
        world.logger.error(
          { event: "account_task_failed", task: name, reason: error instanceof Error ? error.message : String(error) },
          "account background task failed",
        );
      });
      pending.add(run);
      void run.finally(() => pending.delete(run));
    },

    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

/** The messages latchkey sends. */
export type MessageName =
  | "verifyEmail"
  | "alreadyRegistered"
  | "resetPassword"
  | "confirmEmailChange"
  | "emailChangeNotice"
  | "passkeyAdded"
  | "passkeyRemoved"
  | "totpEnabledNotice"
  | "totpRemovedNotice";

/** One message's texts. `{name}` placeholders are filled when it is rendered; the link always has a line of its own. */
export interface MessageTemplate {
  subject: string;
  /** Plain text. Must contain `{link}` when the message carries one. */
  text: string;
  /** HTML body (inside a minimal document). Values are HTML-escaped when filled in. */
  html: string;
}

/**
 * Every string latchkey's emails contain, in one place (ready for translation). Placeholders:
 * `{product}` (mail.productName), `{origin}` (publicOrigin), `{username}`, `{email}`,
 * `{link}`, `{hours}` (how long the link works).
 */
export const MESSAGE_CATALOGUE: Readonly<Record<MessageName, MessageTemplate>> = Object.freeze({
  verifyEmail: {
    subject: "Confirm your email address for {product}",
    text: "Hello {username},\n\nPlease confirm that {email} is your address by opening this link:\n\n{link}\n\nThe link works for {hours} hours. If you did not sign up for {product}, ignore this message.\n",
    html: '<p>Hello {username},</p><p>Please confirm that {email} is your address:</p><p><a href="{link}">Confirm my address</a></p><p>The link works for {hours} hours. If you did not sign up for {product}, ignore this message.</p>',
  },
  alreadyRegistered: {
    subject: "Someone tried to sign up for {product} with your address",
    text: "Hello {username},\n\nSomeone (perhaps you) tried to create a {product} account with {email}, which already belongs to your account. Nothing was changed.\n\nIf you forgot your password, you can reset it at {origin}.\n",
    html: "<p>Hello {username},</p><p>Someone (perhaps you) tried to create a {product} account with {email}, which already belongs to your account. Nothing was changed.</p><p>If you forgot your password, you can reset it at {origin}.</p>",
  },
  resetPassword: {
    subject: "Reset your {product} password",
    text: "Hello {username},\n\nSomeone (hopefully you) asked to reset the password of your {product} account. Choose a new one here:\n\n{link}\n\nThe link works for {hours} hours and only once. If you did not ask, ignore this message: your password stays as it is.\n",
    html: '<p>Hello {username},</p><p>Someone (hopefully you) asked to reset the password of your {product} account.</p><p><a href="{link}">Choose a new password</a></p><p>The link works for {hours} hours and only once. If you did not ask, ignore this message: your password stays as it is.</p>',
  },
  confirmEmailChange: {
    subject: "Confirm your new email address for {product}",
    text: "Hello {username},\n\nTo make {email} the address of your {product} account, open this link:\n\n{link}\n\nThe link works for {hours} hours.\n",
    html: '<p>Hello {username},</p><p>To make {email} the address of your {product} account:</p><p><a href="{link}">Confirm the new address</a></p><p>The link works for {hours} hours.</p>',
  },
  emailChangeNotice: {
    subject: "Your {product} email address is being changed",
    text: "Hello {username},\n\nSomeone logged in to your {product} account asked to change its email address to {email}. If that was not you, change your password at {origin} now.\n",
    html: "<p>Hello {username},</p><p>Someone logged in to your {product} account asked to change its email address to {email}. If that was not you, change your password at {origin} now.</p>",
  },
  // Passkey notices: `{name}` is the name the user gave the passkey.
  passkeyAdded: {
    subject: "A passkey was added to your {product} account",
    text: 'Hello {username},\n\nA passkey named "{name}" was added to your {product} account. It can now sign in without your password.\n\nIf that was not you, remove it and change your password at {origin} now.\n',
    html: "<p>Hello {username},</p><p>A passkey named &quot;{name}&quot; was added to your {product} account. It can now sign in without your password.</p><p>If that was not you, remove it and change your password at {origin} now.</p>",
  },
  passkeyRemoved: {
    subject: "A passkey was removed from your {product} account",
    text: 'Hello {username},\n\nThe passkey named "{name}" was removed from your {product} account and can no longer sign in.\n\nIf that was not you, change your password at {origin} now.\n',
    html: "<p>Hello {username},</p><p>The passkey named &quot;{name}&quot; was removed from your {product} account and can no longer sign in.</p><p>If that was not you, change your password at {origin} now.</p>",
  },
  totpEnabledNotice: {
    subject: "An authenticator app now protects your {product} account",
    text: "Hello {username},\n\nAn authenticator app was just turned on as a second factor for your {product} account: logging in now also needs a code from it. If that was not you, change your password at {origin} now and contact support.\n",
    html: "<p>Hello {username},</p><p>An authenticator app was just turned on as a second factor for your {product} account: logging in now also needs a code from it.</p><p>If that was not you, change your password at {origin} now and contact support.</p>",
  },
  totpRemovedNotice: {
    subject: "The authenticator app was removed from your {product} account",
    text: "Hello {username},\n\nThe authenticator app was just removed from your {product} account. If that was not you, change your password at {origin} now and turn the second factor on again.\n",
    html: "<p>Hello {username},</p><p>The authenticator app was just removed from your {product} account.</p><p>If that was not you, change your password at {origin} now and turn the second factor on again.</p>",
  },
});

import { Buffer } from "node:buffer";
import type { DrfUserJson, UserJson } from "@latchkey/protocol";
import type { User } from "../ports/user-store.js";

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The user as the routes render it, in the configured shape. Never includes the password hash. */
export function renderUser(user: User, shape: "camel" | "drf"): UserJson | DrfUserJson {
  if (shape === "drf") {
    return {
      id: user.id,
      username: user.username,
      email: user.email,
      first_name: user.firstName,
      last_name: user.lastName,
      date_joined: iso(user.dateJoined),
      is_staff: user.isStaff,
    };
  }
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    isActive: user.isActive,
    isStaff: user.isStaff,
    isSuperuser: user.isSuperuser,
    groups: [...user.groups],
    permissions: [...user.permissions],
    dateJoined: iso(user.dateJoined),
    lastLogin: user.lastLogin === null ? null : iso(user.lastLogin),
  };
}

/** A user's rendering in one shape: the object, its JSON text, and that text's length. */
export interface RenderedUser {
  readonly json: UserJson | DrfUserJson;
  readonly text: string;
  /** The UTF-8 byte length of `text`, as a `Content-Length` value: counted once, not per answer. */
  readonly contentLength: string;
}

/**
 * Renderings kept per user object, so a user held by the session cache (the same object on
 * every hit) is rendered and serialised once per shape, not once per request. Weak: a user
 * object dropped from the cache takes its renderings with it. User objects are never
 * mutated (a change replaces the object), so a kept rendering never goes stale.
 */
const renderings = new WeakMap<User, { camel?: RenderedUser; drf?: RenderedUser }>();

/** {@link renderUser} and its JSON text, computed once per user object and shape. */
export function renderedUser(user: User, shape: "camel" | "drf"): RenderedUser {
  let kept = renderings.get(user);
  if (kept === undefined) {
    kept = {};
    renderings.set(user, kept);
  }
  const found = kept[shape];
  if (found !== undefined) return found;
  const json = renderUser(user, shape);
  const text = JSON.stringify(json);
  const rendered: RenderedUser = { json, text, contentLength: String(Buffer.byteLength(text)) };
  kept[shape] = rendered;
  return rendered;
}

/** True if the user may act with `permission`: active, and a superuser or granted it. */
export function hasPermission(user: User, permission: string): boolean {
  return user.isActive && (user.isSuperuser || user.permissions.includes(permission));
}

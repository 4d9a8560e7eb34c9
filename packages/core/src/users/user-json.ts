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

/** True if the user may act with `permission`: active, and a superuser or granted it. */
export function hasPermission(user: User, permission: string): boolean {
  return user.isActive && (user.isSuperuser || user.permissions.includes(permission));
}

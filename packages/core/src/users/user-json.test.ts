import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { User } from "../ports/user-store.js";
import { renderedUser, renderUser } from "./user-json.js";

function makeUser(overrides: Partial<User> = {}): User {
  return {
    id: 7,
    username: "ada",
    email: "ada@example.com",
    firstName: "Ada",
    lastName: "Lovelace",
    isActive: true,
    isStaff: false,
    isSuperuser: false,
    groups: ["editors"],
    permissions: ["blog.add_post"],
    dateJoined: Date.UTC(2024, 0, 2),
    lastLogin: null,
    ...overrides,
  };
}

describe("renderedUser()", () => {
  it("gives the same JSON as serialising renderUser, in both shapes", () => {
    const user = makeUser();
    for (const shape of ["camel", "drf"] as const) {
      const rendered = renderedUser(user, shape);
      assert.deepEqual(rendered.json, renderUser(user, shape));
      assert.equal(rendered.text, JSON.stringify(renderUser(user, shape)));
    }
  });

  it("counts the text's UTF-8 bytes for Content-Length, not its characters (a name with ë and 😀)", () => {
    const rendered = renderedUser(makeUser({ firstName: "Zoë", lastName: "😀" }), "camel");
    assert.equal(rendered.contentLength, String(Buffer.byteLength(rendered.text)));
    assert.notEqual(rendered.contentLength, String(rendered.text.length));
  });

  it("renders a user object once per shape: a cached user's whoami reuses its text", () => {
    const user = makeUser();
    assert.equal(renderedUser(user, "camel"), renderedUser(user, "camel"));
    assert.notEqual(renderedUser(user, "camel").text, renderedUser(user, "drf").text);
  });

  it("renders a changed user anew: a change replaces the object, so no stale rendering is served", () => {
    const before = makeUser();
    const text = renderedUser(before, "camel").text;
    const after = makeUser({ email: "ada@example.org", isStaff: true });
    assert.notEqual(renderedUser(after, "camel").text, text);
    assert.match(renderedUser(after, "camel").text, /"email":"ada@example.org"/);
  });
});

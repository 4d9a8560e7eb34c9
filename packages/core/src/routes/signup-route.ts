import { emailKey, isPlausibleEmail, MAX_EMAIL_LENGTH } from "../accounts/account-lifecycle.js";
import { HttpError } from "../errors.js";
import { stringField } from "../http/body.js";
import { clientIp } from "../http/request-info.js";
import { storeCall } from "../store-call.js";
import { ipThrottleKey } from "../throttle/ip-key.js";
import { renderUser } from "../users/user-json.js";
import { usernameProblem } from "../users/username.js";
import { lifecycleOf, readAnonymousBody, requiredField, startCookieSession, throttleOr429 } from "./account-guards.js";
import { signupPendingSchema, signupRequestSchema, signupResponseSchema } from "./account-schemas.js";
import type { RouteDefinition } from "./route-definition.js";
import { respond } from "./respond.js";
import { errorSchema } from "./schemas.js";

const PENDING = {
  detail: "Check your email: we sent a link to confirm your address.",
  code: "verification_sent",
} as const;

export const signupRoute: RouteDefinition = {
  name: "signup",
  methods: ["POST"],
  summary: "Sign up",
  description:
    "Creates an account (off unless `signup.enabled`). With email verification `mandatory` (the default) it answers 202 with no session, the same whether or not the address is already registered (its owner gets a notice instead, so the answer does not reveal who has an account); the user can log in once the emailed link was opened. With `optional` or `none` it answers 201 with the user and a new session. A taken username is 400 `username_taken` (usernames are public by nature: a documented trade-off). CSRF-protected like login; throttled per client IP.",
  security: [],
  csrf: true,
  requestBody: signupRequestSchema,
  responses: {
    201: { description: "Created and logged in (verification optional or none).", schema: signupResponseSchema },
    202: {
      description: "Verification mail queued (verification mandatory). Identical for known and unknown addresses.",
      schema: signupPendingSchema,
    },
    400: {
      description:
        "Missing fields, invalid address or username, password refused (the detail says why), username taken, or (optional/none) address taken.",
      schema: errorSchema,
    },
    403: { description: "CSRF check failed.", schema: errorSchema },
    429: { description: "Too many sign-ups from this client; see Retry-After.", schema: errorSchema },
  },
  async handle(engine, req) {
    const { config, world } = engine;
    const lifecycle = lifecycleOf(engine);
    const fields = await readAnonymousBody(engine, req);
    const missing = "Please provide username, email and password.";
    const username = requiredField(fields, ["username"], config.maxUsernameLength, missing);
    const email = requiredField(fields, ["email"], MAX_EMAIL_LENGTH, missing).trim();
    const password = requiredField(fields, ["password"], config.passwords.maxLength, missing);
    const firstName = stringField(fields, "firstName", 150) ?? stringField(fields, "first_name", 150) ?? "";
    const lastName = stringField(fields, "lastName", 150) ?? stringField(fields, "last_name", 150) ?? "";
    await throttleOr429(engine, "signupPerIp", ipThrottleKey(clientIp(req, config)));
    if (!isPlausibleEmail(email)) throw new HttpError("email_invalid");
    const usernameIssue = usernameProblem(username);
    if (usernameIssue !== null) throw new HttpError("invalid_body", { reason: usernameIssue });
    const problems = engine.accounts.passwordProblems(password, { username, email });
    if (problems.length > 0) throw new HttpError("password_invalid", { reason: problems.join(" ") });
    if ((await engine.accounts.findUser(username)) !== null) throw new HttpError("username_taken");
    const users = world.stores.users;
    const owner = await storeCall("user", async () =>
      users.getUserByEmail === undefined ? null : users.getUserByEmail(email),
    );

    if (config.signup.emailVerification === "mandatory") {
      // No enumeration: known and unknown addresses cost the same inline work (one lookup,
      // one password hash) and get the same 202; what differs (a notice to the owner, or a
      // new user and a verification link) happens after the answer was sent.
      const passwordHash = await world.hasher.hash(password);
      lifecycle.background("signup", async () => {
        if ((await engine.accountThrottle.hit("mailPerAddress", emailKey(email))) !== null) return;
        if (owner !== null) {
          await lifecycle.notify(req, owner, owner.email, "alreadyRegistered", owner.email);
          return;
        }
        const created = await engine.accounts.createUser({ username, email, passwordHash, firstName, lastName });
        if (!created.ok) {
          world.logger.warn(
            { event: "signup_failed", username, problems: created.problems },
            "sign-up could not create the user",
          );
          return;
        }
        await lifecycle.issueKey(req, { user: created.value, purpose: "verify_email", email, message: "verifyEmail" });
      });
      return respond(202, PENDING);
    }

    if (owner !== null) throw new HttpError("email_taken");
    const created = await engine.accounts.createUser({
      username,
      email,
      password,
      firstName,
      lastName,
      skipPasswordValidation: true,
    });
    if (!created.ok) throw new HttpError("username_taken");
    const user = created.value;
    world.logger.info({ event: "signup", userId: String(user.id) }, "user signed up");
    if (config.signup.emailVerification === "optional") {
      lifecycle.background("signup_link", () =>
        lifecycle.issueKey(req, { user, purpose: "verify_email", email, message: "verifyEmail" }),
      );
    }
    const session = await startCookieSession(engine, req, user);
    return respond(201, { detail: "Account created.", user: renderUser(user, config.userShape) }, session);
  },
};

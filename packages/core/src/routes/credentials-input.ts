import type { Engine } from "../engine.js";
import { bodyFields, stringField, type ParsedBody } from "../http/body.js";
import { readBasicCredentials } from "../http/credentials.js";
import type { LatchkeyRequest } from "../http/request.js";
import { HttpError } from "../errors.js";

/**
 * Username and password from `Authorization: Basic` or the body. Missing either is the
 * DRF tutorials' 400 "Please provide username and password."; an over-long username is
 * refused before it is normalised (NFKC of huge input is a DoS lever, CVE-2023-46695).
 */
export function loginCredentials(
  engine: Engine,
  req: LatchkeyRequest,
  body: ParsedBody,
): { username: string; password: string } {
  const basic = readBasicCredentials(req);
  const fields = bodyFields(body);
  const username = basic?.username ?? stringField(fields, "username", engine.config.maxUsernameLength);
  const password = basic?.password ?? stringField(fields, "password", engine.config.passwords.maxLength);
  if (username === undefined || password === undefined || username === "" || password === "")
    throw new HttpError("missing_credentials");
  if (username.length > engine.config.maxUsernameLength)
    throw new HttpError("field_too_long", { field: "username", max: engine.config.maxUsernameLength });
  if (password.length > engine.config.passwords.maxLength)
    throw new HttpError("field_too_long", { field: "password", max: engine.config.passwords.maxLength });
  if (!username.isWellFormed() || !password.isWellFormed())
    throw new HttpError("invalid_body", { reason: "Credentials contain invalid Unicode." });
  return { username, password };
}

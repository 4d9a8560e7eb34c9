export type { PasswordHasher, VerifyResult } from "./types.js";
export { createPasswordHasher, isSupportedHash, type PasswordHasherOptions } from "./create-password-hasher.js";
export {
  DEFAULT_ARGON2_PARAMS,
  DEFAULT_SCRYPT_PARAMS,
  VERIFY_LIMITS,
  type Argon2Params,
  type ScryptParams,
} from "./params.js";
export {
  DEFAULT_MAX_PASSWORD_LENGTH,
  DEFAULT_MIN_PASSWORD_LENGTH,
  validatePassword,
  type PasswordValidationResult,
  type ValidatePasswordOptions,
} from "./validate-password.js";

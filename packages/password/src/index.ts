export type { PasswordHasher, VerifyResult } from "./types.js";

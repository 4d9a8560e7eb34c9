import type { Answer, RouteCall } from "./account-calls.js";
import { invalidResponse, isRecord } from "./parse.js";
import type { ClientResult, MfaStatus } from "./types.js";

/** The second-factor calls of the client (SPEC §2b) that need no login state; every one resolves to a value. */
export interface MfaCalls {
  /** `GET /mfa/`: whether TOTP is on, recovery codes left, passkeys. */
  mfaStatus(): Promise<ClientResult<MfaStatus>>;
  /**
   * `POST /mfa/totp/setup/` (fresh session): the secret, its `otpauth://` URL and a QR code (SVG) to show. Failures:
   * 403 `reauthentication_required`, 400 `mfa_totp_active`.
   */
  setupTotp(): Promise<ClientResult<{ secret: string; otpauthUrl: string; qrSvg: string }>>;
  /**
   * `POST /mfa/totp/confirm/` with a code from the app: TOTP is on. The first factor brings `recoveryCodes` (show them
   * once). Failure: 400 `mfa_code_invalid`.
   */
  confirmTotp(code: string): Promise<ClientResult<{ recoveryCodes: string[] | null }>>;
  /** `DELETE /mfa/totp/` (fresh session). */
  removeTotp(): Promise<ClientResult<{ detail: string }>>;
  /** `POST /mfa/recovery-codes/` (fresh session): a new set; the old one dies. */
  regenerateRecoveryCodes(): Promise<ClientResult<{ recoveryCodes: string[] }>>;
}

const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((v) => typeof v === "string");

function bodyOf(
  answer: Answer,
  check: (body: Record<string, unknown>) => boolean,
  what: string,
): ClientResult<Record<string, unknown>> {
  if (!answer.ok) return answer;
  if (!isRecord(answer.body) || !check(answer.body)) return { ok: false, error: invalidResponse(answer.status, what) };
  return { ok: true, data: answer.body };
}

/** Builds the second-factor calls over the client's `call`. */
export function createMfaCalls(call: RouteCall): MfaCalls {
  return {
    async mfaStatus() {
      const r = bodyOf(
        await call("mfa", "GET"),
        (b) => typeof b.totp === "boolean" && isRecord(b.recoveryCodes) && Array.isArray(b.passkeys),
        "an MFA status",
      );
      return r.ok ? { ok: true, data: r.data as unknown as MfaStatus } : r;
    },
    async setupTotp() {
      const r = bodyOf(
        await call("mfaTotpSetup", "POST"),
        (b) => typeof b.secret === "string" && typeof b.otpauthUrl === "string" && typeof b.qrSvg === "string",
        "a TOTP setup",
      );
      return r.ok
        ? {
            ok: true,
            data: { secret: String(r.data.secret), otpauthUrl: String(r.data.otpauthUrl), qrSvg: String(r.data.qrSvg) },
          }
        : r;
    },
    async confirmTotp(code) {
      const r = bodyOf(
        await call("mfaTotpConfirm", "POST", { code }),
        (b) => b.recoveryCodes === undefined || isStrings(b.recoveryCodes),
        "a TOTP confirmation",
      );
      return r.ok
        ? { ok: true, data: { recoveryCodes: isStrings(r.data.recoveryCodes) ? r.data.recoveryCodes : null } }
        : r;
    },
    async removeTotp() {
      const r = bodyOf(await call("mfaTotp", "DELETE"), (b) => typeof b.detail === "string", "a detail answer");
      return r.ok ? { ok: true, data: { detail: String(r.data.detail) } } : r;
    },
    async regenerateRecoveryCodes() {
      const r = bodyOf(await call("mfaRecoveryCodes", "POST"), (b) => isStrings(b.recoveryCodes), "recovery codes");
      return r.ok && isStrings(r.data.recoveryCodes)
        ? { ok: true, data: { recoveryCodes: r.data.recoveryCodes } }
        : r.ok
          ? { ok: false, error: invalidResponse(200, "recovery codes") }
          : r;
    },
  };
}

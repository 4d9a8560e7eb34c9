import { Command } from "commander";
import { CliError } from "../cli-error.js";
import type { CliIo } from "../cli-io.js";
import { flagOption, stringOption } from "../command-options.js";
import { ChromiumMissingError, DEFAULT_CHROMIUM, probeInBrowser } from "../doctor/browser-probe.js";
import { probeTokenInBrowser } from "../doctor/browser-token.js";
import { probeDeployment, type DoctorReport } from "../doctor/probe.js";
import { probeTokenDeployment } from "../doctor/token-probe.js";
import { formatJson } from "../format.js";

/** Where `--user` takes the password from: never a flag (it would sit in shell history and `ps`). */
export const DOCTOR_PASSWORD_ENV = "LATCHKEY_DOCTOR_PASSWORD";

/** Bound of each browser step (launch, page load, each fetch). */
const BROWSER_TIMEOUT_MS = 30_000;

const MARK = { ok: "ok  ", warn: "WARN", fail: "FAIL" } as const;

function text(report: DoctorReport): string {
  let out = `SPA ${report.spaOrigin} → API ${report.api}: ${report.topology}\n`;
  for (const check of report.checks) {
    out += `${MARK[check.status]} ${check.id}: ${check.message}\n`;
    if (check.fix !== undefined && check.status !== "ok") out += `     fix: ${check.fix}\n`;
  }
  out += report.ok ? "Login can work.\n" : "Login cannot work until each FAIL is fixed.\n";
  return out;
}

/** `latchkey doctor <spa-url> [--api <url>] [--json]`: explains, from outside, why login would fail. */
export function doctorCommand(io: CliIo): Command {
  return new Command("doctor")
    .description(
      "probe a live deployment (TLS, topology, CORS, cookies, proxy trust, CSRF flow, clock) and say why login would fail",
    )
    .argument("<spa-url>", "a page of the SPA, e.g. https://app.example.com/")
    .option("--api <url>", "the API's base URL (default: <spa origin>/api)")
    .option("--json", "print the report as JSON (for CI)")
    .option(
      "--browser",
      "also open the SPA in headless Chromium, run its CSRF fetch and a login attempt, and report Chromium's own reasons for refused cookies",
    )
    .option("--chromium <path>", "the Chromium executable for --browser", DEFAULT_CHROMIUM)
    .option(
      "--user <name>",
      `with --browser: log this user in from the SPA's page (password from ${DOCTOR_PASSWORD_ENV}), call whoami, log out, and say whether Chromium stored and sent the session cookie`,
    )
    .option(
      "--token",
      'the SPA uses bearer tokens (POST /token/login/, Authorization: Bearer; deployment "cross-site-token"): skip the cookie checks, require Authorization in CORS, and log in with tokens in the browser',
    )
    .addHelpText(
      "after",
      `\nExit status 0 only when login can work.\nExamples:\n  latchkey doctor https://example.com/\n  latchkey doctor https://app.example.com --api https://api.example.net/api --json\n  latchkey doctor https://app.example.com --api https://api.example.net/api --browser\n  ${DOCTOR_PASSWORD_ENV}=… latchkey doctor https://app.example.com --api https://api.example.net/api --browser --user doctor\n  latchkey doctor https://app.example.com --api https://api.example.net/api --token --browser`,
    )
    .action(async (spaUrl: string, _options: unknown, command: Command) => {
      let spa: URL;
      try {
        spa = new URL(spaUrl);
      } catch {
        throw new CliError(`"${spaUrl}" is not a URL (e.g. https://app.example.com/).`);
      }
      const api = stringOption(command, "api") ?? `${spa.origin}/api`;
      const username = stringOption(command, "user");
      const browser = flagOption(command, "browser") === true;
      if (username !== undefined && !browser)
        throw new CliError("--user logs in from the SPA's page in Chromium: add --browser.");
      const password = io.env[DOCTOR_PASSWORD_ENV];
      if (username !== undefined && (password === undefined || password === ""))
        throw new CliError(
          `--user ${username} needs the user's password in the environment variable ${DOCTOR_PASSWORD_ENV} (never a flag, so it stays out of shell history and the process list); it is unset.`,
        );
      const token = flagOption(command, "token") === true;
      let report: DoctorReport;
      try {
        report = await (token ? probeTokenDeployment(spa.href, api) : probeDeployment(spa.href, api));
      } catch (error) {
        const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
        throw new CliError(`cannot reach the API at ${api}${cause}. Is it running, and is --api its base URL?`);
      }
      if (browser) {
        try {
          report.checks.push(
            ...(await (token ? probeTokenInBrowser : probeInBrowser)(spa.href, report.api, {
              chromium: stringOption(command, "chromium") ?? DEFAULT_CHROMIUM,
              timeoutMs: BROWSER_TIMEOUT_MS,
              ...(username === undefined || password === undefined ? {} : { user: { username, password } }),
            })),
          );
        } catch (error) {
          if (error instanceof ChromiumMissingError) throw new CliError(error.message);
          throw new CliError(
            `Chromium failed: ${error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error)}`,
          );
        }
        report.ok = !report.checks.some((c) => c.status === "fail");
      }
      io.stdout(flagOption(command, "json") === true ? formatJson(report) : text(report));
      if (!report.ok)
        throw new CliError(
          `login cannot work: ${report.checks
            .filter((c) => c.status === "fail")
            .map((c) => c.id)
            .join(", ")} failed.`,
        );
    });
}

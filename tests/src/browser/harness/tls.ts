import { join } from "node:path";
import { programPath } from "./browser.js";
import { runToEnd } from "./child-process.js";

/** A self-signed certificate and its key, as PEM files. */
export interface Certificate {
  readonly certFile: string;
  readonly keyFile: string;
}

/** Every name the browser tests serve over HTTPS (one certificate covers them all through its subjectAltName list). */
export const CERTIFICATE_NAMES: readonly string[] = [
  "app.example.test",
  "api.example.test",
  "api.example.net",
  "app.example.com",
  "api.example.com",
  "localhost",
];

/**
 * Makes a self-signed certificate for `names` with the `openssl` command line, as an operator
 * would for a staging box. The browser accepts it because each context is created with
 * `ignoreHTTPSErrors` (without it, Chromium stops at `net::ERR_CERT_AUTHORITY_INVALID`).
 */
export async function makeCertificate(dir: string, names: readonly string[] = CERTIFICATE_NAMES): Promise<Certificate> {
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  const san = ["subjectAltName=" + [...names.map((name) => `DNS:${name}`), "IP:127.0.0.1"].join(",")];
  const args = [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-sha256",
    "-days",
    "2",
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-subj",
    `/CN=${names[0] ?? "localhost"}`,
    "-addext",
    ...san,
  ];
  const openssl = programPath("openssl");
  if (openssl === null) throw new Error("openssl is not installed (apt-get install openssl)");
  const result = await runToEnd(openssl, args, { cwd: dir, env: {} });
  if (result.code !== 0)
    throw new Error(`openssl could not make a certificate (exit ${String(result.code)}):\n${result.output}`);
  return { certFile, keyFile };
}

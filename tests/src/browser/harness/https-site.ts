import { join } from "node:path";
import { REPO_ROOT } from "../../server/latchkey-process.js";
import type { Fixture } from "./fixture.js";
import { startLatchkeyApi, type LatchkeyApi } from "./latchkey-api.js";
import { startNginx, type Nginx } from "./nginx.js";
import { freePort } from "./ports.js";
import { buildSpa, type SpaSettings } from "./spa.js";
import { makeCertificate } from "./tls.js";

/** The nginx files shipped in docs/deploy/, which the tests run as they are. */
export const NGINX_TEMPLATES = Object.freeze({
  sameOrigin: join(REPO_ROOT, "docs", "deploy", "nginx-same-origin.conf"),
  appAndApi: join(REPO_ROOT, "docs", "deploy", "nginx-app-and-api.conf"),
});

/**
 * Real nginx terminating TLS on 127.0.0.1:`port` with a fresh self-signed certificate,
 * running the shipped file `template` with `values` plus `${LISTEN}` and the certificate's
 * placeholders. Stopped by the fixture's cleanup.
 */
export async function startHttpsNginx(
  fixture: Fixture,
  template: string,
  values: Readonly<Record<string, string>>,
  port: number,
): Promise<Nginx> {
  const certificate = await makeCertificate(fixture.folder("tls"));
  const nginx = await startNginx({
    dir: fixture.folder("nginx"),
    templateFile: template,
    port,
    values: {
      LISTEN: `127.0.0.1:${port}`,
      TLS_CERTIFICATE: certificate.certFile,
      TLS_CERTIFICATE_KEY: certificate.keyFile,
      ...values,
    },
  });
  fixture.defer(() => nginx.stop());
  return nginx;
}

/** The two HTTPS origins of modes C2, D1 and D2: one nginx port, two host names. */
export interface TwoOrigins {
  readonly appHost: string;
  readonly apiHost: string;
  /** nginx's port, picked before anything starts (the origins contain it). */
  readonly port: number;
  /** `https://<appHost>:<port>`. */
  readonly appOrigin: string;
  /** `https://<apiHost>:<port>`. */
  readonly apiOrigin: string;
}

/**
 * Picks nginx's port and names the origins. They are needed before anything starts: the
 * API's config (trustedOrigins) and the SPA's build (VITE_LATCHKEY_URL) contain them, and
 * nginx, which starts last, needs the API's port.
 */
export async function twoOrigins(appHost: string, apiHost: string): Promise<TwoOrigins> {
  const port = await freePort();
  return { appHost, apiHost, port, appOrigin: `https://${appHost}:${port}`, apiOrigin: `https://${apiHost}:${port}` };
}

/**
 * Builds the SPA with `spa` and starts nginx (docs/deploy/nginx-app-and-api.conf) in front of
 * it and of the API listening on 127.0.0.1:`upstreamPort`.
 */
export async function startAppAndApiNginx(
  fixture: Fixture,
  origins: TwoOrigins,
  upstreamPort: number,
  spa: SpaSettings,
): Promise<Nginx> {
  const spaDir = await buildSpa(fixture.folder("spa"), spa);
  return startHttpsNginx(
    fixture,
    NGINX_TEMPLATES.appAndApi,
    {
      APP_SERVER_NAME: origins.appHost,
      API_SERVER_NAME: origins.apiHost,
      SPA_ROOT: spaDir,
      LATCHKEY_UPSTREAM: `127.0.0.1:${upstreamPort}`,
    },
    origins.port,
  );
}

/** A deployment on two HTTPS origins with the ready server as the API, all parts running. */
export interface TwoOriginSite extends TwoOrigins {
  readonly api: LatchkeyApi;
  readonly nginx: Nginx;
}

/** What {@link startTwoOriginSite} sets up. */
export interface TwoOriginOptions {
  appHost: string;
  apiHost: string;
  /** latchkey's settings (LATCHKEY_* variables) on top of production mode and `trustProxy` 1. */
  apiEnv(appOrigin: string): Record<string, string>;
  /** The SPA's build settings. @default VITE_LATCHKEY_URL = the API's origin */
  spa?(apiOrigin: string): SpaSettings;
}

/**
 * The SPA on `https://<appHost>` and `latchkey serve` on `https://<apiHost>`, both behind one
 * nginx on one port, as docs/deployment.md describes modes C2 and D.
 */
export async function startTwoOriginSite(fixture: Fixture, options: TwoOriginOptions): Promise<TwoOriginSite> {
  const origins = await twoOrigins(options.appHost, options.apiHost);
  const api = await startLatchkeyApi({
    dataDir: fixture.folder("data"),
    env: { LATCHKEY_MODE: "production", LATCHKEY_TRUST_PROXY: "1", ...options.apiEnv(origins.appOrigin) },
  });
  fixture.defer(() => api.stop());
  const nginx = await startAppAndApiNginx(
    fixture,
    origins,
    api.port,
    options.spa?.(origins.apiOrigin) ?? { VITE_LATCHKEY_URL: origins.apiOrigin },
  );
  return { ...origins, api, nginx };
}

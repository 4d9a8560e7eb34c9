import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { programPath } from "./browser.js";
import { startChild, type RunningChild } from "./child-process.js";
import { waitForPort } from "./ports.js";

/** A real nginx started by {@link startNginx}. */
export interface Nginx {
  readonly port: number;
  readonly process: RunningChild;
  /** The site file nginx was given: the shipped template with the placeholders filled in. */
  readonly siteConfig: string;
  stop(): Promise<void>;
}

/**
 * Fills the `${NAME}` placeholders of a shipped nginx file (the ones `envsubst` would fill,
 * see docs/deployment.md). A placeholder the caller did not give, or a value given for a
 * placeholder the file does not have, is an error: the docs and the test must not drift apart.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const wanted = new Set([...template.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1] ?? ""));
  const missing = [...wanted].filter((name) => !(name in values));
  const unused = Object.keys(values).filter((name) => !wanted.has(name));
  if (missing.length > 0 || unused.length > 0) {
    throw new Error(
      `nginx template placeholders do not match: missing ${JSON.stringify(missing)}, not in the file ${JSON.stringify(unused)}`,
    );
  }
  return template.replace(/\$\{([A-Z_]+)\}/g, (_whole, name: string) => values[name] ?? "");
}

/**
 * The `http {}` around the site file, as /etc/nginx/nginx.conf is around conf.d/*.conf, with
 * every path nginx writes to inside `dir`, so it runs without touching /var.
 */
function mainConfig(dir: string, siteFile: string): string {
  return `worker_processes 1;
events { worker_connections 256; }
http {
  types {
    text/html html;
    text/css css;
    application/javascript js mjs;
    application/json json;
    image/svg+xml svg;
    image/png png;
    image/x-icon ico;
  }
  default_type application/octet-stream;
  access_log ${join(dir, "access.log")};
  client_body_temp_path ${join(dir, "client_body")};
  proxy_temp_path ${join(dir, "proxy")};
  fastcgi_temp_path ${join(dir, "fastcgi")};
  uwsgi_temp_path ${join(dir, "uwsgi")};
  scgi_temp_path ${join(dir, "scgi")};
  include ${siteFile};
}
`;
}

/**
 * Starts nginx in the foreground with the shipped site file `templateFile` filled with
 * `values`, and resolves once it accepts connections on `port` (which the template's
 * `${LISTEN}` must use). Its workers run as nginx's default user when started as root, so
 * `dir` and the SPA folder must be world-readable.
 */
export async function startNginx(options: {
  dir: string;
  templateFile: string;
  values: Readonly<Record<string, string>>;
  port: number;
}): Promise<Nginx> {
  mkdirSync(options.dir, { recursive: true, mode: 0o755 });
  const siteConfig = fillTemplate(readFileSync(options.templateFile, "utf8"), options.values);
  const siteFile = join(options.dir, "site.conf");
  writeFileSync(siteFile, siteConfig);
  const confFile = join(options.dir, "nginx.conf");
  writeFileSync(confFile, mainConfig(options.dir, siteFile));
  const nginx = programPath("nginx");
  if (nginx === null) throw new Error("nginx is not installed (apt-get install nginx)");
  const child = startChild(
    nginx,
    ["-c", confFile, "-p", options.dir, "-g", `daemon off; pid ${join(options.dir, "nginx.pid")}; error_log stderr;`],
    { cwd: options.dir, env: {}, exitSignal: "SIGTERM" },
  );
  await waitForPort(options.port, child, "nginx");
  return {
    port: options.port,
    process: child,
    siteConfig,
    // SIGQUIT: graceful; workers finish their requests and exit with the master.
    stop: () => child.stop("SIGQUIT", 5_000),
  };
}

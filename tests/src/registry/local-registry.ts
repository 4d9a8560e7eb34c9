import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

/** A throwaway verdaccio registry on 127.0.0.1, with no uplinks. */
export interface LocalRegistry {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  /** A publish token for the one user created at start. */
  readonly token: string;
  /** The `.npmrc` line that lets npm publish to it. */
  readonly authLine: string;
  close(): Promise<void>;
}

interface VerdaccioModule {
  runServer(config: Record<string, unknown>): Promise<Server>;
}

/** A package version to place in the registry's storage before it starts. */
export interface SeedPackage {
  readonly manifest: Record<string, unknown>;
  readonly tarball: Buffer;
}

/**
 * Writes packages straight into verdaccio's storage layout (`storage/<name>/package.json`, the
 * packument, beside the tarballs), which is what publishing them one by one would leave there,
 * in a fraction of the time. `latest` is the highest version given for each name.
 */
function seedStorage(
  storage: string,
  packages: readonly SeedPackage[],
  compare: (a: string, b: string) => number,
): void {
  const byName = new Map<string, SeedPackage[]>();
  for (const pkg of packages)
    byName.set(String(pkg.manifest.name), [...(byName.get(String(pkg.manifest.name)) ?? []), pkg]);
  const now = new Date().toISOString();
  for (const [name, versions] of byName) {
    const folder = join(storage, name);
    mkdirSync(folder, { recursive: true });
    const document: Record<string, unknown> & {
      versions: Record<string, unknown>;
      _attachments: Record<string, unknown>;
      time: Record<string, string>;
    } = {
      name,
      _id: name,
      versions: {},
      time: { created: now, modified: now },
      users: {},
      "dist-tags": {},
      _uplinks: {},
      _distfiles: {},
      _attachments: {},
      _rev: "1-0000000000000000",
      readme: "",
    };
    const sorted = [...versions].sort((a, b) => compare(String(a.manifest.version), String(b.manifest.version)));
    for (const { manifest, tarball } of sorted) {
      const version = String(manifest.version);
      const file = `${name.replace(/^@[^/]+\//, "")}-${version}.tgz`;
      writeFileSync(join(folder, file), tarball);
      const shasum = createHash("sha1").update(tarball).digest("hex");
      const integrity = `sha512-${createHash("sha512").update(tarball).digest("base64")}`;
      document.versions[version] = {
        ...manifest,
        _id: `${name}@${version}`,
        dist: { shasum, integrity, tarball: `http://localhost/${name}/-/${file}` },
      };
      document._attachments[file] = { shasum, version };
      document.time[version] = now;
    }
    document["dist-tags"] = { latest: String(sorted.at(-1)?.manifest.version) };
    writeFileSync(join(folder, "package.json"), JSON.stringify(document));
  }
}

/**
 * Starts verdaccio in this process on a free loopback port, storing everything under `dir`,
 * with the `seed` packages already in its storage.
 * No uplinks: it can only serve what is published to it, so nothing reaches the network.
 */
export async function startLocalRegistry(
  dir: string,
  seed: readonly SeedPackage[],
  compare: (a: string, b: string) => number,
): Promise<LocalRegistry> {
  mkdirSync(dir, { recursive: true });
  seedStorage(join(dir, "storage"), seed, compare);
  const htpasswd = join(dir, "htpasswd");
  writeFileSync(htpasswd, "");
  const config = {
    self_path: dir,
    config_path: join(dir, "config.yaml"),
    storage: join(dir, "storage"),
    plugins: join(dir, "plugins"),
    auth: { htpasswd: { file: htpasswd, max_users: 10 } },
    uplinks: {},
    packages: {
      "@*/*": { access: "$all", publish: "$authenticated" },
      "**": { access: "$all", publish: "$authenticated" },
    },
    web: { enable: false },
    max_body_size: "200mb",
    log: { type: "stdout", format: "json", level: "error" },
    server: { keepAliveTimeout: 5 },
  };
  const verdaccio = (await import("verdaccio")) as unknown as VerdaccioModule;
  const server = await verdaccio.runServer(config);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;

  const user = "publisher";
  const signup = await fetch(`${url}-/user/org.couchdb.user:${user}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: user, password: "throwaway-registry-password", type: "user", roles: [] }),
  });
  const body = (await signup.json()) as { token?: string };
  if (signup.status !== 201 || body.token === undefined)
    throw new Error(`verdaccio refused the user: ${signup.status} ${JSON.stringify(body)}`);
  const token = body.token;

  return {
    url,
    token,
    authLine: `//127.0.0.1:${port}/:_authToken=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

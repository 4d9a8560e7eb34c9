/** The four README/docs quick starts: the example file's name and its documented install line. */
export const QUICK_STARTS: readonly { name: string; install: readonly string[] }[] = [
  { name: "express", install: ["@latchkey/core", "@latchkey/store-sqlite", "@latchkey/express", "express"] },
  { name: "fastify", install: ["@latchkey/core", "@latchkey/store-sqlite", "@latchkey/fastify", "fastify"] },
  {
    name: "hono",
    install: ["@latchkey/core", "@latchkey/store-sqlite", "@latchkey/hono", "hono", "@hono/node-server"],
  },
  { name: "node", install: ["@latchkey/core", "@latchkey/store-sqlite", "@latchkey/node"] },
];

/**
 * A strict consumer tsconfig: every dependency's declarations checked (skipLibCheck off), with
 * node16 resolution (emits to dist/) or bundler resolution (what Vite, esbuild or tsx users
 * have; type-check only).
 */
export function strictConfig(resolution: "node16" | "bundler", files: readonly string[]): string {
  const mode =
    resolution === "node16"
      ? { module: "node16", moduleResolution: "node16", outDir: "dist" }
      : { module: "preserve", moduleResolution: "bundler", noEmit: true };
  const compilerOptions = {
    target: "ES2022",
    ...mode,
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: false,
    types: ["node"],
  };
  return `${JSON.stringify({ compilerOptions, files }, null, 2)}\n`;
}

/** Creates a user the way the README says: latchkey.accounts.createUser from code. */
export const SEED_SCRIPT = `import { createLatchkey } from "@latchkey/core";
import { migrateSqlite, openSqliteDatabase, sqliteStores } from "@latchkey/store-sqlite";

const [path, username, password] = process.argv.slice(2);
const database = openSqliteDatabase(path);
migrateSqlite(database);
const latchkey = createLatchkey({ stores: sqliteStores({ database }) });
const created = await latchkey.accounts.createUser({ username, password });
database.close();
if (!created.ok) {
  console.error(JSON.stringify(created));
  process.exit(1);
}
process.exit(0);
`;

/** A CommonJS file requiring the ESM-only packages (require(esm)). */
export const CJS_SCRIPT = `"use strict";
const { createLatchkey } = require("@latchkey/core");
const { latchkeyExpress } = require("@latchkey/express");
const { sqliteStores } = require("@latchkey/store-sqlite");
console.log(JSON.stringify({ createLatchkey: typeof createLatchkey, latchkeyExpress: typeof latchkeyExpress, sqliteStores: typeof sqliteStores }));
`;

/** The code block under the README's "From the browser" heading. */
export function readmeClientSnippet(readme: string): string {
  const section = readme.slice(readme.indexOf("## From the browser"));
  const block = /```ts\n([\s\S]*?)^```$/m.exec(section);
  if (block?.[1] === undefined) throw new Error("README.md has no ts block under ## From the browser");
  return block[1];
}

/** The Vite + React app's install: latchkey's browser packages, React, Vite and TypeScript. */
export const VITE_APP_INSTALL: readonly string[] = [
  "@latchkey/client",
  "@latchkey/react",
  "react",
  "react-dom",
  "vite",
  "@vitejs/plugin-react",
  "typescript",
  "@types/react",
  "@types/react-dom",
  "@types/node",
];

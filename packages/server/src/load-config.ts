import { dirname, join, resolve } from "node:path";
import { accessLogOf } from "./access-log-defaults.js";
import { coreConfigProblems } from "./core-check.js";
import { readConfigFile, validateLayer } from "./config-file.js";
import { closest, isPlainObject, mergeLayers, setPath, type PlainObject } from "./object-path.js";
import { attributeProblem } from "./problem-sources.js";
import { redactUrl } from "./redact.js";
import { ServerConfigError, type ServerConfig } from "./server-config.js";
import { latchkeyOptionsOf } from "./latchkey-options.js";
import { settingsSchema, type Settings } from "./settings-schema.js";
import { CONFIG_ENV_VAR, SETTINGS, SETTINGS_BY_KEY, type SettingInfo } from "./settings-table.js";
import { settingFromText, textHint } from "./settings-text.js";
import { DEFAULTS } from "@latchkey/core";
import { SERVER_DEFAULTS } from "./server-defaults.js";

/** Options of {@link loadServerConfig}. */
export interface LoadServerConfigOptions {
  /**
   * Values from command-line flags, as text, by config-file key (`{ port: "0", spaDir: "dist" }`).
   * They win over everything else. Undefined entries are ignored.
   */
  overrides?: Readonly<Record<string, string | undefined>>;
  /** The environment to read `LATCHKEY_*` (and `NODE_ENV`) from. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * The config file (`--config`); it must exist.
   * @default `LATCHKEY_CONFIG`, else `latchkey.config.json` in `cwd` if present
   */
  configFile?: string;
  /**
   * Directory relative paths are resolved against (except those in the config file: against its directory).
   * @default process.cwd()
   */
  cwd?: string;
}

/** `LATCHKEY_` variables that are not settings: read by the CLI commands themselves. */
const NON_SETTING_VARS = new Set([CONFIG_ENV_VAR, "LATCHKEY_SUPERUSER_PASSWORD", "LATCHKEY_NEW_PASSWORD"]);
const SETTINGS_BY_ENV = new Map(SETTINGS.map((s) => [s.env, s]));

interface TextLayer {
  values: PlainObject;
  /** Setting key → how problems name the value's origin. */
  sources: Map<string, string>;
}

/** Builds the layer of text values (environment or flags), checking each on its own. */
function textLayer(
  entries: readonly { setting: SettingInfo; raw: string; label: string }[],
  problems: string[],
  emptyIsUnset: boolean,
): TextLayer {
  const layer: TextLayer = { values: {}, sources: new Map() };
  for (const { setting, raw, label } of entries) {
    if (raw.trim() === "") {
      // An empty variable means "not set", as in most deployment tools; an empty flag is a mistake.
      if (!emptyIsUnset) problems.push(`${label}: must not be empty`);
      continue;
    }
    const value = settingFromText(setting, raw);
    const single: PlainObject = {};
    setPath(single, setting.key, value);
    const checked = validateLayer(single, (_path, message) => message);
    if (checked.problems.length > 0) {
      problems.push(`${label}: ${textHint(setting) ?? checked.problems[0]}`);
      continue;
    }
    setPath(layer.values, setting.key, value);
    layer.sources.set(setting.key, label);
  }
  return layer;
}

/** A value as problems and `sources` may show it: URLs without their password. */
function shown(setting: SettingInfo, raw: string): string {
  // Encryption keys are secrets: a problem names the setting, never the value.
  if (setting.key === "mfa.encryptionKeys") return "***";
  return setting.kind === "url" || setting.key === "redisClusterNodes"
    ? raw
        .split(",")
        .map((part) => redactUrl(part.trim()))
        .join(",")
    : raw;
}

/** Rules between the storage settings, as problems naming each value's source. */
function storageProblems(settings: Settings, sourceOf: (key: string) => string): string[] {
  const problems: string[] = [];
  if (settings.redisUrl !== undefined && settings.redisClusterNodes !== undefined) {
    problems.push(
      `${sourceOf("redisUrl")} and ${sourceOf("redisClusterNodes")}: set redisUrl (one Redis server) or redisClusterNodes (a Redis Cluster), not both`,
    );
  }
  const hasBus =
    settings.redisUrl !== undefined || settings.redisClusterNodes !== undefined || settings.databaseUrl !== undefined;
  if (settings.sessionCache?.enabled === true && !hasBus) {
    problems.push(
      `${sourceOf("sessionCache.enabled")}: sessionCache.enabled needs redisUrl, redisClusterNodes or databaseUrl: ` +
        "the cache is kept coherent by Redis pub/sub or PostgreSQL LISTEN/NOTIFY, and SQLite has neither (nor any need: it is read in-process)",
    );
  }
  return problems;
}

function hasValue(values: PlainObject, key: string): boolean {
  let node: unknown = values;
  for (const part of key.split(".")) {
    if (!isPlainObject(node)) return false;
    node = node[part];
  }
  return node !== undefined;
}

/**
 * Reads the ready server's configuration from, lowest to highest precedence: defaults, the
 * config file, `LATCHKEY_*` environment variables, command-line flags. Every value is
 * validated, then core's cross-setting rules run on the result.
 *
 * @returns a frozen {@link ServerConfig} with absolute paths.
 * @throws {ServerConfigError} listing every problem at once, each naming its source, e.g.
 *   `LATCHKEY_PORT="abc" (environment): must be an integer from 0 to 65535`.
 */
export function loadServerConfig(options: LoadServerConfigOptions = {}): ServerConfig {
  const env = options.env ?? process.env;
  const cwd = resolve(options.cwd ?? process.cwd());
  const problems: string[] = [];
  const warnings: string[] = [];

  const envConfig = env[CONFIG_ENV_VAR];
  const explicit =
    options.configFile !== undefined
      ? { path: options.configFile, source: `--config ${JSON.stringify(options.configFile)} (command line)` }
      : envConfig !== undefined && envConfig !== ""
        ? { path: envConfig, source: `${CONFIG_ENV_VAR}=${JSON.stringify(envConfig)} (environment)` }
        : null;
  const file = readConfigFile(explicit, cwd);
  problems.push(...file.problems);

  const envEntries: { setting: SettingInfo; raw: string; label: string }[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith("LATCHKEY_") || raw === undefined || NON_SETTING_VARS.has(name)) continue;
    const setting = SETTINGS_BY_ENV.get(name);
    if (setting === undefined) {
      const suggestion = closest(name, SETTINGS_BY_ENV.keys());
      warnings.push(
        `${name} (environment) is not a latchkey setting and was ignored${suggestion === null ? "" : ` (did you mean ${suggestion}?)`}`,
      );
      continue;
    }
    envEntries.push({ setting, raw, label: `${name}=${JSON.stringify(shown(setting, raw))} (environment)` });
  }
  const envLayer = textLayer(envEntries, problems, true);
  if (!envLayer.sources.has("mode") && env.NODE_ENV === "production") {
    envLayer.values.mode = "production";
    envLayer.sources.set("mode", `NODE_ENV="production" (environment)`);
  }

  const flagEntries: { setting: SettingInfo; raw: string; label: string }[] = [];
  for (const [key, raw] of Object.entries(options.overrides ?? {})) {
    if (raw === undefined) continue;
    const setting = SETTINGS_BY_KEY.get(key);
    if (setting === undefined) {
      problems.push(`override ${JSON.stringify(key)}: unknown setting`);
      continue;
    }
    const flag = setting.flag?.split(" ")[0] ?? `--${key}`;
    flagEntries.push({ setting, raw, label: `${flag} ${JSON.stringify(shown(setting, raw))} (command line)` });
  }
  const flagLayer = textLayer(flagEntries, problems, false);

  const sources = new Map<string, string>();
  for (const { key } of SETTINGS) if (hasValue(file.values, key)) sources.set(key, file.label);
  for (const [key, label] of envLayer.sources) sources.set(key, label);
  for (const [key, label] of flagLayer.sources) sources.set(key, label);

  const merged = settingsSchema.safeParse(mergeLayers(file.values, envLayer.values, flagLayer.values));
  const parsed: Settings = merged.success ? merged.data : {};
  if (!merged.success) problems.push(...merged.error.issues.map((issue) => `internal: ${issue.message}`));

  /** Relative paths from the config file are relative to the file; others to the working directory. */
  const pathOf = (key: "dataDir" | "database" | "spaDir" | "mail.templatesDir", value: string): string =>
    resolve(sources.get(key) === file.label && file.path !== null ? dirname(file.path) : cwd, value);
  const templatesDir = parsed.mail?.templatesDir;
  const settings: Settings =
    templatesDir === undefined
      ? parsed
      : { ...parsed, mail: { ...parsed.mail, templatesDir: pathOf("mail.templatesDir", templatesDir) } };

  const mode = settings.mode ?? DEFAULTS.mode;
  problems.push(...storageProblems(settings, (key) => sources.get(key) ?? key));
  const latchkey = latchkeyOptionsOf(settings);
  for (const problem of coreConfigProblems({ ...latchkey, mode }))
    problems.push(attributeProblem(problem, Object.fromEntries(sources)));
  if (problems.length > 0) throw new ServerConfigError(problems);

  const dataDir = pathOf("dataDir", settings.dataDir ?? SERVER_DEFAULTS.dataDir);
  const config: ServerConfig = {
    host: settings.host ?? SERVER_DEFAULTS.host,
    port: settings.port ?? SERVER_DEFAULTS.port,
    dataDir,
    database:
      settings.database === undefined ? join(dataDir, "latchkey.sqlite3") : pathOf("database", settings.database),
    databaseUrl: settings.databaseUrl ?? SERVER_DEFAULTS.databaseUrl,
    redisUrl: settings.redisUrl ?? SERVER_DEFAULTS.redisUrl,
    redisClusterNodes: settings.redisClusterNodes ?? [...SERVER_DEFAULTS.redisClusterNodes],
    redisKeyPrefix: settings.redisKeyPrefix ?? SERVER_DEFAULTS.redisKeyPrefix,
    workers: settings.workers ?? SERVER_DEFAULTS.workers,
    spaDir: settings.spaDir === undefined ? SERVER_DEFAULTS.spaDir : pathOf("spaDir", settings.spaDir),
    mode,
    migrateOnStart: settings.migrateOnStart ?? SERVER_DEFAULTS.migrateOnStart,
    logLevel: settings.logLevel ?? SERVER_DEFAULTS.logLevel,
    accessLog: accessLogOf(settings, mode),
    shutdownTimeoutSeconds: settings.shutdownTimeoutSeconds ?? SERVER_DEFAULTS.shutdownTimeoutSeconds,
    mailUrl: settings.mail?.url ?? SERVER_DEFAULTS.mail.url,
    latchkey,
    configFile: file.path,
    sources: Object.fromEntries(sources),
    warnings,
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

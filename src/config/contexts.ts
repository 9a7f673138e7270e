// Contexts: one per cluster, from the config file plus environment overrides, resolved to what the client needs.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PveAuth } from '../pve/auth.js';
import type { TlsOptions } from '../pve/tls.js';
import { configFile, type Env } from './paths.js';
import { configSchema, describeIssues, type ConfigFile, type ContextFileEntry } from './schema.js';
import { assertPrivateFile, ConfigError, runSecretCommand } from './secrets.js';

export interface ContextDefaults {
  maxParallel: number;
  maxPerNode?: number;
}

export interface ResolvedContext {
  name: string;
  url: string;
  auth: PveAuth;
  tls: TlsOptions;
  readOnly: boolean;
  safeMode: boolean;
  defaults: ContextDefaults;
}

export const DEMO_CONTEXT = 'demo';

export function loadConfig(path: string): ConfigFile {
  if (!existsSync(path)) return { contexts: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${path} is invalid:\n${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** Writes atomically with mode 0600 (the file may hold secrets). */
export function saveConfig(path: string, config: ConfigFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes|on)$/i.test(v);
}

/** Which context a process uses: --context, then MOXXIE_CONTEXT, then the file's `current`, then PVE_URL alone. */
export function selectContextName(explicit: string | undefined, config: ConfigFile, env: Env): string | undefined {
  return explicit ?? env.MOXXIE_CONTEXT ?? config.current ?? (env.PVE_URL ? 'env' : undefined);
}

export interface ResolveOptions {
  name?: string;
  env?: Env;
  configPath?: string;
  readOnly?: boolean;
}

export function resolveContext(opts: ResolveOptions = {}): ResolvedContext {
  const env = opts.env ?? process.env;
  const path = opts.configPath ?? configFile(env);
  const config = loadConfig(path);
  const name = selectContextName(opts.name, config, env);
  if (!name) {
    throw new ConfigError(`no context selected and none configured in ${path}; add one with \`moxxie config add NAME --url https://pve1:8006 --token-id user@realm!id\`, set PVE_URL and credentials, or use --demo`);
  }
  if (name === DEMO_CONTEXT) throw new ConfigError("the 'demo' context is built in; open it with --demo");
  const entry: ContextFileEntry | undefined = config.contexts[name];
  if (!entry && !env.PVE_URL) {
    const known = Object.keys(config.contexts);
    throw new ConfigError(`context '${name}' is not in ${path}; known: ${known.length ? known.join(', ') : '(none)'}, plus the built-in demo`);
  }
  const url = env.PVE_URL ?? entry!.url;
  const fileAuth = entry?.auth;
  const field = `contexts.${name}.auth`;

  let auth: PveAuth;
  if (env.PVE_TOKEN_ID || env.PVE_TOKEN_SECRET) {
    const tokenId = env.PVE_TOKEN_ID ?? (fileAuth && 'tokenId' in fileAuth ? fileAuth.tokenId : undefined);
    if (!tokenId) throw new ConfigError('PVE_TOKEN_SECRET is set but PVE_TOKEN_ID is not; set it to user@realm!tokenid');
    const secret = env.PVE_TOKEN_SECRET ?? (fileAuth && 'tokenId' in fileAuth ? fileSecret(fileAuth.tokenSecret, fileAuth.secretCommand, path, `${field}.tokenSecret`) : undefined);
    if (!secret) throw new ConfigError(`no secret for token ${tokenId}: set PVE_TOKEN_SECRET or ${field}.secretCommand`);
    auth = { tokenId, tokenSecret: secret };
  } else if (env.PVE_USER || env.PVE_PASSWORD) {
    const username = env.PVE_USER ?? (fileAuth && 'username' in fileAuth ? fileAuth.username : undefined);
    if (!username) throw new ConfigError('PVE_PASSWORD is set but PVE_USER is not; set it to user@realm, e.g. root@pam');
    const password = env.PVE_PASSWORD ?? (fileAuth && 'username' in fileAuth ? fileSecret(fileAuth.password, fileAuth.secretCommand, path, `${field}.password`) : undefined);
    if (!password) throw new ConfigError(`no password for ${username}: set PVE_PASSWORD or ${field}.secretCommand`);
    auth = { username, password, realm: env.PVE_REALM ?? (fileAuth && 'username' in fileAuth ? fileAuth.realm : undefined), totp: env.PVE_TOTP };
  } else if (fileAuth && 'tokenId' in fileAuth) {
    const secret = fileSecret(fileAuth.tokenSecret, fileAuth.secretCommand, path, `${field}.tokenSecret`);
    if (!secret) throw new ConfigError(`${field}: no secret for ${fileAuth.tokenId}; set PVE_TOKEN_SECRET, ${field}.secretCommand, or tokenSecret in a 0600 file`);
    auth = { tokenId: fileAuth.tokenId, tokenSecret: secret };
  } else if (fileAuth && 'username' in fileAuth) {
    const password = fileSecret(fileAuth.password, fileAuth.secretCommand, path, `${field}.password`);
    if (!password) throw new ConfigError(`${field}: no password for ${fileAuth.username}; set PVE_PASSWORD, ${field}.secretCommand, or password in a 0600 file`);
    auth = { username: fileAuth.username, password, realm: env.PVE_REALM ?? fileAuth.realm, totp: env.PVE_TOTP };
  } else {
    throw new ConfigError('PVE_URL is set but no credentials are: set PVE_TOKEN_ID and PVE_TOKEN_SECRET, or PVE_USER and PVE_PASSWORD');
  }

  const tls: TlsOptions = { ...(entry?.tls ?? {}) };
  if (env.PVE_FINGERPRINT) tls.fingerprint = env.PVE_FINGERPRINT;
  if (env.PVE_CA_FILE) tls.caFile = env.PVE_CA_FILE;
  if (env.PVE_INSECURE !== undefined) tls.insecure = truthy(env.PVE_INSECURE);

  return {
    name,
    url,
    auth,
    tls,
    readOnly: !!opts.readOnly || !!entry?.readOnly || truthy(env.MOXXIE_READ_ONLY),
    safeMode: entry?.safeMode ?? true,
    defaults: { maxParallel: entry?.defaults?.maxParallel ?? 5, maxPerNode: entry?.defaults?.maxPerNode },
  };
}

function fileSecret(inFile: string | undefined, command: string | undefined, path: string, field: string): string | undefined {
  if (command) return runSecretCommand(command, field);
  if (inFile !== undefined) {
    assertPrivateFile(path, field);
    return inFile;
  }
  return undefined;
}

// Contexts: one per cluster, from the config file plus environment overrides, resolved to what the client needs.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PveAuth } from '../pve/auth.js';
import type { TlsOptions } from '../pve/tls.js';
import { DEMO_CONTEXT, envFlag } from './env-flags.js';
import { configFile, type Env } from './paths.js';
import { checkConfig, FINGERPRINT_RE, TOKEN_ID_RE, type ConfigFile, type ContextFileEntry } from './schema.js';
import { assertPrivateFile, ConfigError, runSecretCommand } from './secrets.js';

export interface ContextDefaults {
  maxParallel: number;
  maxPerNode?: number;
  /** Ids new VMs get in this context (default PVE's whole range). */
  vmidRange?: { min: number; max: number };
}

/** Where the secret came from, for `moxxie config test` (never the secret itself). */
export type SecretSource = 'environment' | 'secretCommand' | 'config file';

export interface ResolvedContext {
  name: string;
  url: string;
  auth: PveAuth;
  tls: TlsOptions;
  readOnly: boolean;
  safeMode: boolean;
  defaults: ContextDefaults;
  secretSource: SecretSource;
}


export function loadConfig(path: string): ConfigFile {
  if (!existsSync(path)) return { contexts: {} };
  const text = readFileSync(path, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // V8's message quotes the file's text, which may hold a secret: report only where it broke.
    const at = /position (\d+)/.exec((err as Error).message);
    const where = at ? ` at line ${text.slice(0, Number(at[1])).split('\n').length}` : '';
    throw new ConfigError(`${path}: not valid JSON${where}; fix the syntax (a trailing comma or a missing quote is typical)`);
  }
  const checked = checkConfig(raw);
  if (!checked.ok) throw new ConfigError(`${path} is invalid:\n${checked.problems}`);
  return checked.config;
}

/** Writes atomically with mode 0600 (the file may hold secrets). */
export function saveConfig(path: string, config: ConfigFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Checks the environment overrides before they reach the client, naming the variable. */
function checkEnv(env: Env): void {
  if (env.PVE_URL !== undefined) {
    let ok = false;
    try {
      const u = new URL(env.PVE_URL);
      ok = (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
    } catch {
      ok = false;
    }
    if (!ok) throw new ConfigError('PVE_URL must be a URL like https://pve1:8006 (https, host, port; no credentials in it)');
  }
  if (env.PVE_TOKEN_ID !== undefined && !TOKEN_ID_RE.test(env.PVE_TOKEN_ID)) throw new ConfigError(`PVE_TOKEN_ID must look like 'user@realm!tokenid', e.g. root@pam!moxxie`);
  if (env.PVE_FINGERPRINT !== undefined && !FINGERPRINT_RE.test(env.PVE_FINGERPRINT)) {
    throw new ConfigError(`PVE_FINGERPRINT must be a SHA-256 fingerprint in PVE notation, AB:CD:... (32 bytes of hex); got '${env.PVE_FINGERPRINT.slice(0, 100)}'`);
  }
  envFlag(env, 'PVE_INSECURE');
  envFlag(env, 'MOXXIE_READ_ONLY');
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
  checkEnv(env);
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
  let secretSource: SecretSource = 'environment';
  const fromFile = (inFile: string | undefined, command: string | undefined, secretField: string): string | undefined => {
    if (command) {
      secretSource = 'secretCommand';
      return runSecretCommand(command, `${field}.secretCommand`);
    }
    if (inFile !== undefined) {
      assertPrivateFile(path, secretField);
      secretSource = 'config file';
      return inFile;
    }
    return undefined;
  };
  const fileToken = fileAuth && 'tokenId' in fileAuth ? fileAuth : undefined;
  const fileUser = fileAuth && 'username' in fileAuth ? fileAuth : undefined;
  if (env.PVE_TOKEN_ID || env.PVE_TOKEN_SECRET) {
    const tokenId = env.PVE_TOKEN_ID ?? fileToken?.tokenId;
    if (!tokenId) throw new ConfigError('PVE_TOKEN_SECRET is set but PVE_TOKEN_ID is not; set it to user@realm!tokenid');
    const secret = env.PVE_TOKEN_SECRET || (fileToken ? fromFile(fileToken.tokenSecret, fileToken.secretCommand, `${field}.tokenSecret`) : undefined);
    if (!secret) throw new ConfigError(`no secret for token ${tokenId}: set PVE_TOKEN_SECRET or ${field}.secretCommand`);
    auth = { tokenId, tokenSecret: secret };
  } else if (env.PVE_USER || env.PVE_PASSWORD) {
    const username = env.PVE_USER ?? fileUser?.username;
    if (!username) throw new ConfigError('PVE_PASSWORD is set but PVE_USER is not; set it to user@realm, e.g. root@pam');
    const password = env.PVE_PASSWORD || (fileUser ? fromFile(fileUser.password, fileUser.secretCommand, `${field}.password`) : undefined);
    if (!password) throw new ConfigError(`no password for ${username}: set PVE_PASSWORD or ${field}.secretCommand`);
    auth = { username, password, realm: env.PVE_REALM ?? fileUser?.realm, ...(env.PVE_TOTP ? { totp: env.PVE_TOTP } : {}) };
  } else if (fileToken) {
    const secret = fromFile(fileToken.tokenSecret, fileToken.secretCommand, `${field}.tokenSecret`);
    if (!secret) throw new ConfigError(`${field}: no secret for ${fileToken.tokenId}; set PVE_TOKEN_SECRET, ${field}.secretCommand, or tokenSecret in a 0600 file`);
    auth = { tokenId: fileToken.tokenId, tokenSecret: secret };
  } else if (fileUser) {
    const password = fromFile(fileUser.password, fileUser.secretCommand, `${field}.password`);
    if (!password) throw new ConfigError(`${field}: no password for ${fileUser.username}; set PVE_PASSWORD, ${field}.secretCommand, or password in a 0600 file`);
    auth = { username: fileUser.username, password, realm: env.PVE_REALM ?? fileUser.realm, ...(env.PVE_TOTP ? { totp: env.PVE_TOTP } : {}) };
  } else {
    throw new ConfigError('PVE_URL is set but no credentials are: set PVE_TOKEN_ID and PVE_TOKEN_SECRET, or PVE_USER and PVE_PASSWORD');
  }

  const tls: TlsOptions = { ...(entry?.tls ?? {}) };
  if (env.PVE_FINGERPRINT) tls.fingerprint = env.PVE_FINGERPRINT;
  if (env.PVE_CA_FILE) tls.caFile = env.PVE_CA_FILE;
  const insecure = envFlag(env, 'PVE_INSECURE');
  if (insecure !== undefined) tls.insecure = insecure;

  return {
    name,
    url,
    auth,
    tls,
    readOnly: !!opts.readOnly || !!entry?.readOnly || !!envFlag(env, 'MOXXIE_READ_ONLY'),
    safeMode: entry?.safeMode ?? true,
    defaults: { maxParallel: entry?.defaults?.maxParallel ?? 5, ...(entry?.defaults?.maxPerNode ? { maxPerNode: entry.defaults.maxPerNode } : {}), ...(entry?.defaults?.vmidRange ? { vmidRange: entry.defaults.vmidRange } : {}) },
    secretSource,
  };
}

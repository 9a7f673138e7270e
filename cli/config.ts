// `moxxie config list | use NAME | add NAME ... | remove NAME | test [NAME]`; `--demo` anywhere means the built-in
// demo context. Exit status as every command: 0 done, 1 the cluster failed the test, 2 bad arguments or input,
// refusals and unknown names.
import { FlagError, parseFlags } from '../src/config/command-flags.js';
import { getAccessPermissions, getClusterResources, getVersion } from '../src/pve/endpoints/cluster.js';
import { PveError } from '../src/pve/errors.js';
import type { TlsOptions } from '../src/pve/tls.js';
import { loadConfig, saveConfig, selectContextName } from '../src/config/contexts.js';
import { DEMO_CONTEXT } from '../src/config/env-flags.js';
import { openContext } from '../src/config/open-context.js';
import { configFile } from '../src/config/paths.js';
import { checkConfig, type ContextFileEntry } from '../src/config/schema.js';
import { ConfigError } from '../src/config/secrets.js';
import { featureReport } from './cluster-features.js';

const HELP = `moxxie config list
moxxie config use NAME
moxxie config add NAME --url https://pve1:8006
    (--token-id USER@REALM!ID [--token-secret-command CMD] | --user USER [--realm REALM] [--password-command CMD])
    [--fingerprint AA:BB:..] [--ca-file FILE] [--insecure] [--read-only] [--no-safe-mode]
    [--max-parallel N] [--max-per-node N] [--force]
    (an existing context is replaced only with --force)
moxxie config remove NAME
moxxie config test [NAME] [--demo]

Secrets come from PVE_TOKEN_SECRET / PVE_PASSWORD, from a secret command (e.g. "pass show pve/token"),
or from the config file only when it is mode 0600. Other overrides: MOXXIE_CONTEXT, PVE_URL, PVE_TOKEN_ID,
PVE_USER, PVE_REALM, PVE_FINGERPRINT, PVE_CA_FILE, PVE_INSECURE.
`;

/** Privileges that mean "can change VMs" on /vms (or /). */
const WRITE_PRIVILEGES = ['VM.PowerMgmt', 'VM.Snapshot', 'VM.Config.Options'];

class UsageError extends Error {}

export async function run(argv: string[]): Promise<number> {
  const demo = argv.includes('--demo');
  // `--help` anywhere (moxxie config add --help) is the help, as for every command.
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const [sub, ...rest] = argv.filter((a) => a !== '--demo');
  try {
    switch (sub) {
      case 'list':
        parseFlags({ args: rest, options: {} });
        return list();
      case 'use':
        return use(rest);
      case 'add':
        return add(rest);
      case 'remove':
        return remove(rest);
      case 'test':
        return await test(rest, demo);
      case undefined:
        // A missing subcommand is a bad command line (exit 2), as for every command.
        process.stderr.write(HELP);
        return 2;
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(HELP);
        return 0;
      default:
        throw new UsageError(`unknown subcommand '${sub}'; valid: list, use, add, remove, test`);
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof FlagError) {
      process.stderr.write(`moxxie config: ${(err as Error).message}\n\n${HELP}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      // A config problem is bad input (a field, a name), not a failed action.
      process.stderr.write(`moxxie config: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

function authLabel(auth: ContextFileEntry['auth']): string {
  const source = auth.secretCommand ? 'secretCommand' : ('tokenSecret' in auth && auth.tokenSecret) || ('password' in auth && auth.password) ? 'in file' : 'from env';
  return 'tokenId' in auth ? `token ${auth.tokenId} (${source})` : `user ${auth.username}${auth.realm ? ` realm ${auth.realm}` : ''} (${source})`;
}

function tlsLabel(tls: ContextFileEntry['tls']): string {
  if (tls?.fingerprint) return 'pinned';
  if (tls?.insecure) return 'INSECURE';
  if (tls?.caFile) return 'ca-file';
  return 'system-ca';
}

function list(): number {
  const path = configFile();
  const config = loadConfig(path);
  const current = selectContextName(undefined, config, process.env);
  const rows = Object.entries(config.contexts).map(([name, c]) => [
    name === current ? '*' : ' ',
    name,
    c.url,
    authLabel(c.auth),
    [tlsLabel(c.tls), c.readOnly ? 'read-only' : '', c.safeMode === false ? 'no-safe-mode' : 'safe-mode'].filter(Boolean).join(','),
  ]);
  rows.push([current === DEMO_CONTEXT ? '*' : ' ', DEMO_CONTEXT, '(built-in simulated cluster)', 'token (in-process)', 'pinned,safe-mode']);
  const widths = [1, 16, 36, 44].map((w, i) => Math.max(w, ...rows.map((r) => r[i].length)));
  for (const r of rows) process.stdout.write(`${r.map((cell, i) => (i < widths.length ? cell.padEnd(widths[i]) : cell)).join('  ')}\n`);
  process.stdout.write(`(config: ${path}${current && current !== DEMO_CONTEXT && !config.contexts[current] ? `; current '${current}' comes from the environment` : ''})\n`);
  return 0;
}

function use(rest: string[]): number {
  const path = configFile();
  const [name] = parseFlags({ args: rest, allowPositionals: true, options: {} }).positionals;
  if (!name || rest.length > 1) throw new UsageError('usage: moxxie config use NAME');
  const config = loadConfig(path);
  if (name !== DEMO_CONTEXT && !config.contexts[name]) {
    throw new ConfigError(`context '${name}' is not configured in ${path}; known: ${[...Object.keys(config.contexts), DEMO_CONTEXT].join(', ')}`);
  }
  saveConfig(path, { ...config, current: name });
  process.stdout.write(`current context: ${name}\n`);
  return 0;
}

function add(rest: string[]): number {
  const { values, positionals } = parseFlags({
    args: rest,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      'token-id': { type: 'string' },
      'token-secret-command': { type: 'string' },
      user: { type: 'string' },
      realm: { type: 'string' },
      'password-command': { type: 'string' },
      'secret-command': { type: 'string' },
      fingerprint: { type: 'string' },
      'ca-file': { type: 'string' },
      insecure: { type: 'boolean' },
      'read-only': { type: 'boolean' },
      'no-safe-mode': { type: 'boolean' },
      'max-parallel': { type: 'string' },
      'max-per-node': { type: 'string' },
      force: { type: 'boolean' },
    },
  });
  const name = positionals[0];
  if (!name || positionals.length > 1) throw new UsageError('usage: moxxie config add NAME --url URL (--token-id ID | --user USER)');
  if (!values.url) throw new UsageError('--url is required, e.g. --url https://pve1:8006');
  const tokenId = values['token-id'];
  if (!!tokenId === !!values.user) throw new UsageError('give exactly one of --token-id USER@REALM!ID or --user USER');
  if (tokenId && (values.realm || values['password-command'])) throw new UsageError('--realm and --password-command go with --user, not --token-id');
  if (values.user && values['token-secret-command']) throw new UsageError('--token-secret-command goes with --token-id, not --user');
  const secretCommand = values['token-secret-command'] ?? values['password-command'] ?? values['secret-command'];
  const number = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new UsageError(`--${flag} must be a whole number from 1 to 20 (got '${v}')`);
    return Number(v);
  };
  const maxParallel = number('max-parallel', values['max-parallel']);
  const maxPerNode = number('max-per-node', values['max-per-node']);
  const tls = {
    ...(values.fingerprint ? { fingerprint: values.fingerprint } : {}),
    ...(values['ca-file'] ? { caFile: values['ca-file'] } : {}),
    ...(values.insecure ? { insecure: true } : {}),
  };
  const entry = {
    url: values.url,
    auth: tokenId
      ? { tokenId, ...(secretCommand ? { secretCommand } : {}) }
      : { username: values.user as string, ...(values.realm ? { realm: values.realm } : {}), ...(secretCommand ? { secretCommand } : {}) },
    ...(Object.keys(tls).length ? { tls } : {}),
    ...(values['read-only'] ? { readOnly: true } : {}),
    ...(values['no-safe-mode'] ? { safeMode: false } : {}),
    ...(maxParallel !== undefined || maxPerNode !== undefined
      ? { defaults: { ...(maxParallel !== undefined ? { maxParallel } : {}), ...(maxPerNode !== undefined ? { maxPerNode } : {}) } }
      : {}),
  };
  const path = configFile();
  const config = loadConfig(path);
  const replaced = !!config.contexts[name];
  if (name === DEMO_CONTEXT) throw new UsageError(`'${DEMO_CONTEXT}' is the built-in demo context; choose another name`);
  if (replaced && !values.force) throw new UsageError(`context '${name}' already exists in ${path}; add --force to replace it (or moxxie config remove ${name})`);
  const next = { ...config, contexts: { ...config.contexts, [name]: entry }, current: config.current ?? name };
  const checked = checkConfig(next);
  if (!checked.ok) throw new ConfigError(`invalid context '${name}':\n${checked.problems}`);
  saveConfig(path, checked.config);
  process.stdout.write(`${replaced ? 'replaced' : 'added'} context '${name}' in ${path}${checked.config.current === name ? ' (current)' : ''}\n`);
  if (!secretCommand) process.stdout.write(`the secret is not stored: set ${tokenId ? 'PVE_TOKEN_SECRET' : 'PVE_PASSWORD'} in the environment, or add again with ${tokenId ? '--token-secret-command' : '--password-command'} CMD\n`);
  if (values.insecure && !values.fingerprint) process.stdout.write('warning: --insecure accepts any certificate; pin --fingerprint instead (`pvenode cert info` on the node shows it)\n');
  return 0;
}

function remove(rest: string[]): number {
  const path = configFile();
  const [name] = parseFlags({ args: rest, allowPositionals: true, options: {} }).positionals;
  if (!name || rest.length > 1) throw new UsageError('usage: moxxie config remove NAME');
  if (name === DEMO_CONTEXT) throw new UsageError(`'${DEMO_CONTEXT}' is built in and cannot be removed`);
  const config = loadConfig(path);
  if (!config.contexts[name]) throw new UsageError(`context '${name}' is not configured in ${path}; known: ${Object.keys(config.contexts).join(', ') || 'none'}`);
  const { [name]: _removed, ...contexts } = config.contexts;
  const wasCurrent = config.current === name;
  const { current: _current, ...others } = config;
  saveConfig(path, { ...others, contexts, ...(wasCurrent ? {} : config.current !== undefined ? { current: config.current } : {}) });
  process.stdout.write(`removed context '${name}' from ${path}${wasCurrent ? '; no context is current now (moxxie config use NAME)' : ''}\n`);
  return 0;
}

function tlsMode(tls: TlsOptions): string {
  if (tls.fingerprint) return `fingerprint pinned (${tls.fingerprint.slice(0, 17)}…)`;
  if (tls.insecure) return 'NOT VERIFIED (insecure)';
  if (tls.caFile) return `verified against ${tls.caFile}`;
  return 'verified against the system CAs';
}

async function test(rest: string[], demo: boolean): Promise<number> {
  const { positionals, values } = parseFlags({ args: rest, allowPositionals: true, options: { context: { type: 'string' }, demo: { type: 'boolean' } } });
  if (positionals.length > 1 || (positionals.length && values.context)) throw new UsageError('usage: moxxie config test [NAME] (one context: a NAME or --context NAME)');
  const name = positionals[0] ?? values.context;
  // Warnings (insecure TLS, retries) go to stderr; the client never logs secrets.
  const ctx = await openContext({ name, demo, logger: (line) => line.startsWith('warning:') && process.stderr.write(`${line}\n`) });
  try {
    await ctx.client.login();
    const version = await getVersion(ctx.client);
    const resources = await getClusterResources(ctx.client);
    const nodes = resources.filter((r) => r.type === 'node');
    const online = nodes.filter((n) => n.status === 'online').map((n) => n.node ?? n.id);
    const guests = resources.filter((r) => r.type === 'qemu' || r.type === 'lxc');
    const vms = guests.filter((g) => g.type === 'qemu' && !g.template);
    process.stdout.write(
      [
        `context:  ${ctx.info.name}${ctx.info.readOnly ? ' (read-only)' : ''}${ctx.info.demo ? ' (built-in simulated cluster)' : ''}`,
        `url:      ${ctx.info.url}`,
        `tls:      ${tlsMode(ctx.tls)}`,
        `version:  PVE ${version.version} (release ${version.release})`,
        `nodes:    ${nodes.length}, online ${online.length}: ${online.sort().join(', ') || 'none'}`,
        `vms:      ${vms.length} (plus ${guests.length - vms.length} templates and containers)`,
        `write:    ${await canWrite(ctx.client)}`,
        ...(await featureReport(ctx.client)),
        ...(ctx.info.readOnly ? ['          (moxxie itself will not write: the context is read-only)'] : []),
        '',
      ].join('\n'),
    );
    return 0;
  } catch (err) {
    if (err instanceof PveError) {
      process.stderr.write(`moxxie config test: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
      return 1;
    }
    throw err;
  } finally {
    await ctx.close();
  }
}

/** Decided from GET /access/permissions: the credentials' effective privileges on /vms (or /). */
async function canWrite(client: Parameters<typeof getAccessPermissions>[0]): Promise<string> {
  let perms: Record<string, Record<string, number>>;
  try {
    perms = await getAccessPermissions(client);
  } catch (err) {
    return `unknown: GET /access/permissions failed (${err instanceof Error ? err.message : String(err)})`;
  }
  const onVms = { ...(perms['/'] ?? {}), ...(perms['/vms'] ?? {}) };
  const held = WRITE_PRIVILEGES.filter((p) => onVms[p]);
  return held.length
    ? `yes: ${held.join(', ')} on /vms (from GET /access/permissions)`
    : `no: none of ${WRITE_PRIVILEGES.join(', ')} on /vms (from GET /access/permissions); these credentials can only read`;
}

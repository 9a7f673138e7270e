// `moxxie config list | use NAME | add NAME ... | test [NAME]`.
import { parseArgs } from 'node:util';
import { getAccessPermissions, getClusterResources, getVersion } from '../pve/endpoints/cluster.js';
import { PveError } from '../pve/errors.js';
import { DEMO_CONTEXT, loadConfig, saveConfig, selectContextName } from './contexts.js';
import { openContext } from './open-context.js';
import { configFile } from './paths.js';
import { configSchema, describeIssues } from './schema.js';

const HELP = `moxxie config list
moxxie config use NAME
moxxie config add NAME --url https://pve1:8006 (--token-id USER@REALM!ID | --user USER@REALM)
                       [--secret-command CMD] [--fingerprint AA:BB:..] [--ca-file FILE] [--insecure]
                       [--read-only] [--no-safe-mode] [--max-parallel N]
moxxie config test [NAME | --demo]

Secrets are read from PVE_TOKEN_SECRET / PVE_PASSWORD, from --secret-command (e.g. "pass show pve/token"),
or from the config file only when it is mode 0600.
`;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const path = configFile();
  switch (sub) {
    case 'list': {
      const config = loadConfig(path);
      const current = selectContextName(undefined, config, process.env);
      const rows = Object.entries(config.contexts).map(([name, c]) => ({
        mark: name === current ? '*' : ' ',
        name,
        url: c.url,
        auth: 'tokenId' in c.auth ? `token ${c.auth.tokenId}` : `user ${c.auth.username}`,
        flags: [c.readOnly ? 'read-only' : '', c.safeMode === false ? 'no-safe-mode' : 'safe-mode'].filter(Boolean).join(','),
      }));
      rows.push({ mark: current === DEMO_CONTEXT ? '*' : ' ', name: DEMO_CONTEXT, url: '(built-in simulated cluster)', auth: 'token', flags: 'safe-mode' });
      for (const r of rows) process.stdout.write(`${r.mark} ${r.name.padEnd(16)} ${r.url.padEnd(36)} ${r.auth.padEnd(32)} ${r.flags}\n`);
      process.stdout.write(`(config: ${path})\n`);
      return 0;
    }
    case 'use': {
      const name = rest[0];
      const config = loadConfig(path);
      if (!name) throw new Error('usage: moxxie config use NAME');
      if (name !== DEMO_CONTEXT && !config.contexts[name]) throw new Error(`context '${name}' is not configured; known: ${[...Object.keys(config.contexts), DEMO_CONTEXT].join(', ')}`);
      saveConfig(path, { ...config, current: name });
      process.stdout.write(`current context: ${name}\n`);
      return 0;
    }
    case 'add': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          url: { type: 'string' },
          'token-id': { type: 'string' },
          user: { type: 'string' },
          realm: { type: 'string' },
          'secret-command': { type: 'string' },
          fingerprint: { type: 'string' },
          'ca-file': { type: 'string' },
          insecure: { type: 'boolean' },
          'read-only': { type: 'boolean' },
          'no-safe-mode': { type: 'boolean' },
          'max-parallel': { type: 'string' },
        },
      });
      const name = positionals[0];
      if (!name) throw new Error('usage: moxxie config add NAME --url URL (--token-id ID | --user USER)');
      if (name === DEMO_CONTEXT) throw new Error("'demo' is the built-in context; pick another name");
      if (!values.url) throw new Error('--url is required, e.g. --url https://pve1:8006');
      if (!!values['token-id'] === !!values.user) throw new Error('give exactly one of --token-id USER@REALM!ID or --user USER@REALM');
      const auth = values['token-id']
        ? { tokenId: values['token-id'], ...(values['secret-command'] ? { secretCommand: values['secret-command'] } : {}) }
        : { username: values.user as string, ...(values.realm ? { realm: values.realm } : {}), ...(values['secret-command'] ? { secretCommand: values['secret-command'] } : {}) };
      const entry = {
        url: values.url,
        auth,
        ...(values.fingerprint || values['ca-file'] || values.insecure
          ? { tls: { ...(values.fingerprint ? { fingerprint: values.fingerprint } : {}), ...(values['ca-file'] ? { caFile: values['ca-file'] } : {}), ...(values.insecure ? { insecure: true } : {}) } }
          : {}),
        ...(values['read-only'] ? { readOnly: true } : {}),
        ...(values['no-safe-mode'] ? { safeMode: false } : {}),
        ...(values['max-parallel'] ? { defaults: { maxParallel: Number(values['max-parallel']) } } : {}),
      };
      const config = loadConfig(path);
      const next = { ...config, contexts: { ...config.contexts, [name]: entry }, current: config.current ?? name };
      const checked = configSchema.safeParse(next);
      if (!checked.success) throw new Error(`invalid context:\n${describeIssues(checked.error)}`);
      saveConfig(path, checked.data);
      process.stdout.write(`added context '${name}' to ${path}${next.current === name ? ' (now current)' : ''}\n`);
      if (!values['secret-command']) process.stdout.write(`set ${values['token-id'] ? 'PVE_TOKEN_SECRET' : 'PVE_PASSWORD'} in the environment, or re-add with --secret-command\n`);
      return 0;
    }
    case 'test': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { demo: { type: 'boolean' } } });
      const ctx = await openContext({ name: positionals[0], demo: values.demo });
      try {
        const version = await getVersion(ctx.client);
        const resources = await getClusterResources(ctx.client);
        const nodes = resources.filter((r) => r.type === 'node');
        const online = nodes.filter((n) => n.status === 'online').map((n) => n.node);
        const vms = resources.filter((r) => r.type === 'qemu' || r.type === 'lxc');
        // Write access is judged from the effective privileges on /vms, which PVE reports per path.
        const perms = await getAccessPermissions(ctx.client);
        const vmPrivs = perms['/vms'] ?? perms['/'] ?? {};
        const canWrite = !!(vmPrivs['VM.PowerMgmt'] || vmPrivs['VM.Snapshot'] || vmPrivs['VM.Config.Options']);
        process.stdout.write(
          [
            `context:  ${ctx.info.name}${ctx.info.readOnly ? ' (read-only)' : ''}`,
            `url:      ${ctx.info.url}`,
            `version:  PVE ${version.version}`,
            `nodes:    ${nodes.length} (${online.length} online: ${online.join(', ') || 'none'})`,
            `guests:   ${vms.length}`,
            `write:    ${canWrite ? 'yes (VM.PowerMgmt/VM.Snapshot/VM.Config.Options on /vms)' : 'no: these credentials can only read'}`,
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
    default:
      process.stdout.write(HELP);
      return sub === undefined || sub === 'help' || sub === '--help' ? 0 : 2;
  }
}

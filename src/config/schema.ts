// The configuration file's shape, validated with zod so every message names the bad field and what is valid.
import { z } from 'zod';

export const TOKEN_ID_RE = /^[^\s:/@]+@[A-Za-z][A-Za-z0-9.\-_]+![A-Za-z][A-Za-z0-9.\-_]+$/;
export const FINGERPRINT_RE = /^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/;
export const CONTEXT_NAME_RE = /^[A-Za-z0-9._-]+$/;

const secretCommand = z.string().min(1, 'must be a shell command that prints the secret, e.g. "pass show pve/token"');
const flag = (what: string) => z.boolean({ message: `must be true or false (${what})` });

const tokenAuth = z
  .object({
    tokenId: z.string().regex(TOKEN_ID_RE, "must look like 'user@realm!tokenid', e.g. root@pam!moxxie"),
    tokenSecret: z.string().min(1, 'must not be empty; or leave it out and use secretCommand or PVE_TOKEN_SECRET').optional(),
    secretCommand: secretCommand.optional(),
  })
  .strict();

const passwordAuth = z
  .object({
    username: z.string().regex(/^[^\s:/]+(@[A-Za-z][A-Za-z0-9.\-_]+)?$/, "must be 'user@realm' (e.g. root@pam), or 'user' with realm"),
    password: z.string().min(1, 'must not be empty; or leave it out and use secretCommand or PVE_PASSWORD').optional(),
    realm: z.string().regex(/^[A-Za-z][A-Za-z0-9.\-_]+$/, 'must be a realm id such as pam or pve').optional(),
    secretCommand: secretCommand.optional(),
  })
  .strict();

// zod reports the issues of the branch the entry resembles (tokenId vs username); this message is for neither.
const auth = z.union([tokenAuth, passwordAuth], { message: 'must hold either tokenId (+ tokenSecret or secretCommand) or username (+ password or secretCommand)' });

const url = z
  .string({ message: 'must be a URL like https://pve1:8006' })
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'must be a URL like https://pve1:8006 (https, host, port; no credentials in it)');

const limit = (what: string) => z.number({ message: `must be a whole number from 1 to 20 (${what})` }).int(`must be a whole number from 1 to 20 (${what})`).min(1, `must be at least 1 (${what})`).max(20, `must be at most 20 (${what})`);

export const contextSchema = z
  .object({
    url,
    auth,
    tls: z
      .object({
        fingerprint: z.string().regex(FINGERPRINT_RE, 'must be a SHA-256 fingerprint in PVE notation, AB:CD:... (32 bytes of hex)').optional(),
        caFile: z.string().min(1, 'must be the path of a PEM file, e.g. a copy of /etc/pve/pve-root-ca.pem').optional(),
        insecure: flag('true skips certificate checks; prefer fingerprint').optional(),
      })
      .strict()
      .optional(),
    readOnly: flag('true refuses every change').optional(),
    safeMode: flag('true: destructive operations only touch VMs tagged moxxie').optional(),
    defaults: z
      .object({
        maxParallel: limit('PVE tasks at once across the cluster').optional(),
        maxPerNode: limit('PVE tasks at once per node').optional(),
        vmidRange: z
          .object({ min: z.number().int().min(100).max(999_999_999), max: z.number().int().min(100).max(999_999_999) })
          .strict()
          .refine((r) => r.min <= r.max, 'min must not be above max')
          .optional()
          .describe('VM ids this context hands out to new VMs, e.g. { "min": 5000, "max": 5999 }'),
      })
      .strict()
      .optional(),
  })
  .strict();

export const configSchema = z
  .object({
    current: z.string().optional(),
    contexts: z.record(z.string(), contextSchema).default({}),
    history: z.object({ retentionDays: z.number().int().min(1).max(3650).optional(), maxOperations: z.number().int().min(100).optional() }).strict().optional(),
  })
  .strict();

export type ContextFileEntry = z.infer<typeof contextSchema>;
export type ConfigFile = z.infer<typeof configSchema>;
export type ContextFileAuth = ContextFileEntry['auth'];

/** `contexts.prod.auth.tokenId: must look like ...` — one line per problem. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('\n');
}

/** Context names, checked apart from zod so they are reported beside the entries' own problems. */
function nameProblems(raw: unknown): string[] {
  const contexts = typeof raw === 'object' && raw !== null ? (raw as { contexts?: unknown }).contexts : undefined;
  if (typeof contexts !== 'object' || contexts === null) return [];
  const out: string[] = [];
  for (const name of Object.keys(contexts)) {
    if (!CONTEXT_NAME_RE.test(name)) out.push(`contexts.${name}: context names use letters, digits, . _ - only`);
    if (name === 'demo') out.push(`contexts.${name}: 'demo' is the built-in simulated cluster; pick another name`);
  }
  return out;
}

/** Validates a parsed config file: the data, or one line per problem naming the field. */
export function checkConfig(raw: unknown): { ok: true; config: ConfigFile } | { ok: false; problems: string } {
  const names = nameProblems(raw);
  const parsed = configSchema.safeParse(raw);
  if (parsed.success && names.length === 0) return { ok: true, config: parsed.data };
  return { ok: false, problems: [...names, ...(parsed.success ? [] : [describeIssues(parsed.error)])].join('\n') };
}

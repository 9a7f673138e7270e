// The configuration file's shape, validated with zod so every message names the bad field.
import { z } from 'zod';

const tokenAuth = z
  .object({
    tokenId: z.string().regex(/^[^\s:/@]+@[A-Za-z][A-Za-z0-9.\-_]+![A-Za-z][A-Za-z0-9.\-_]+$/, "must look like 'user@realm!tokenid'"),
    tokenSecret: z.string().min(1).optional(),
    secretCommand: z.string().min(1).optional(),
  })
  .strict();

const passwordAuth = z
  .object({
    username: z.string().min(3, "must be 'user@realm', e.g. root@pam"),
    password: z.string().min(1).optional(),
    realm: z.string().regex(/^[A-Za-z][A-Za-z0-9.\-_]+$/).optional(),
    secretCommand: z.string().min(1).optional(),
  })
  .strict();

export const contextSchema = z
  .object({
    url: z.string().url('must be a URL like https://pve1:8006'),
    auth: z.union([tokenAuth, passwordAuth], { message: 'must hold either tokenId (+ tokenSecret or secretCommand) or username (+ password or secretCommand)' }),
    tls: z
      .object({
        fingerprint: z.string().regex(/^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/, 'must be a SHA-256 fingerprint like AB:CD:... (32 bytes)').optional(),
        caFile: z.string().min(1).optional(),
        insecure: z.boolean().optional(),
      })
      .strict()
      .optional(),
    readOnly: z.boolean().optional(),
    safeMode: z.boolean().optional(),
    defaults: z
      .object({
        maxParallel: z.number().int().min(1).max(20).optional(),
        maxPerNode: z.number().int().min(1).max(20).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const configSchema = z
  .object({
    current: z.string().optional(),
    contexts: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/, 'context names use letters, digits, . _ -'), contextSchema).default({}),
    history: z.object({ retentionDays: z.number().int().min(1).max(3650).optional(), maxOperations: z.number().int().min(100).optional() }).strict().optional(),
  })
  .strict();

export type ContextFileEntry = z.infer<typeof contextSchema>;
export type ConfigFile = z.infer<typeof configSchema>;

/** `contexts.prod.auth.tokenId: must look like ...` — one line per problem. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
}

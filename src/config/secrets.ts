// Secrets come from the environment, a secretCommand (a password manager's CLI), or the config file
// only when that file is private (mode 0600).
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function runSecretCommand(command: string, field: string): string {
  let out: string;
  try {
    out = execFileSync('/bin/sh', ['-c', command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  } catch (err) {
    const code = (err as { status?: number }).status;
    // The command's output could hold the secret: never echo it.
    throw new ConfigError(`${field}: secretCommand failed${code !== undefined ? ` with exit code ${code}` : ''}; run it by hand to see why`);
  }
  const secret = out.trim();
  if (!secret) throw new ConfigError(`${field}: secretCommand printed nothing`);
  return secret;
}

/** Throws unless the config file is readable by its owner only. */
export function assertPrivateFile(path: string, field: string): void {
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new ConfigError(
      `${field}: refusing to read a secret from ${path} because the file is readable by others (mode ${mode.toString(8).padStart(4, '0')}); run \`chmod 600 ${path}\`, or move the secret to the environment or a secretCommand`,
    );
  }
}

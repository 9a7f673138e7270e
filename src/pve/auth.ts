// Credentials for one cluster: an API token (stateless) or user/password with a renewable ticket.

export type PveAuth =
  | { tokenId: string; tokenSecret: string }
  /** One string, as PVE shows it once at creation: `user@realm!tokenid=secret`. */
  | { token: string }
  | { username: string; password: string; realm?: string; totp?: string };

export interface TokenCredentials {
  kind: 'token';
  tokenId: string;
  secret: string;
}

export interface PasswordCredentials {
  kind: 'password';
  username: string;
  password: string;
  realm?: string;
  totp?: string;
}

export type Credentials = TokenCredentials | PasswordCredentials;

const TOKEN_ID_RE = /^[^\s:/@]+@[A-Za-z][A-Za-z0-9.\-_]+![A-Za-z][A-Za-z0-9.\-_]+$/;

/** Validates and normalises auth settings; errors name the field and never echo a secret. */
export function normaliseAuth(auth: PveAuth): Credentials {
  if ('token' in auth) {
    const at = auth.token.lastIndexOf('=');
    if (at <= 0) throw new Error("auth.token must look like 'user@realm!tokenid=secret'");
    return normaliseAuth({ tokenId: auth.token.slice(0, at), tokenSecret: auth.token.slice(at + 1) });
  }
  if ('tokenId' in auth) {
    if (!TOKEN_ID_RE.test(auth.tokenId)) throw new Error(`auth.tokenId must look like 'user@realm!tokenid' (got '${auth.tokenId}')`);
    if (!auth.tokenSecret) throw new Error('auth.tokenSecret is empty; set PVE_TOKEN_SECRET or a secretCommand');
    return { kind: 'token', tokenId: auth.tokenId, secret: auth.tokenSecret };
  }
  if (!auth.username) throw new Error("auth.username is empty; use 'user@realm' (e.g. root@pam)");
  if (!auth.password) throw new Error('auth.password is empty; set PVE_PASSWORD or a secretCommand');
  return { kind: 'password', username: auth.username, password: auth.password, realm: auth.realm, totp: auth.totp };
}

export function tokenHeader(c: TokenCredentials): string {
  return `PVEAPIToken=${c.tokenId}=${c.secret}`;
}

/** The strings that must never appear in output: redaction replaces them. */
export function secretsOf(c: Credentials): string[] {
  return c.kind === 'token' ? [c.secret] : [c.password, ...(c.totp ? [c.totp] : [])];
}

// PVE authentication: tickets (PVEAuthCookie) with CSRF tokens bound to the user, and API tokens.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { SimApiError } from './api-error.js';

export interface SimUser {
  userid: string;
  password: string;
  /** false: only audit privileges (used to exercise 403s). */
  admin: boolean;
}

export interface AuthResult {
  user: string;
  tokenid?: string;
  /** Authenticated by ticket: writes then need a CSRF token. */
  viaTicket: boolean;
  admin: boolean;
}

export interface SimCredentials {
  username: string;
  password: string;
  realm: string;
  tokenId: string;
  tokenSecret: string;
}

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');

export class SimAuth {
  private readonly key = randomBytes(32);
  readonly users: SimUser[] = [
    { userid: 'root@pam', password: 'moxxie', admin: true },
    { userid: 'auditor@pve', password: 'moxxie', admin: false },
  ];
  /** tokenid (user@realm!name) -> secret */
  readonly tokens = new Map<string, string>();

  constructor(
    private readonly lifetimeSeconds: () => number,
    tokenSecret: string = randomUUID(),
  ) {
    this.tokens.set('root@pam!moxxie', tokenSecret);
    this.tokens.set('auditor@pve!audit', randomUUID());
  }

  credentials(): SimCredentials {
    return { username: 'root@pam', password: 'moxxie', realm: 'pam', tokenId: 'root@pam!moxxie', tokenSecret: this.tokens.get('root@pam!moxxie') as string };
  }

  private sign(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64').replace(/=+$/, '');
  }

  issueTicket(userid: string): { ticket: string; csrf: string } {
    const t = hex8(Math.floor(Date.now() / 1000));
    const data = `PVE:${userid}:${t}`;
    return { ticket: `${data}::${this.sign(data)}`, csrf: `${t}:${this.sign(`csrf:${userid}:${t}`)}` };
  }

  /** POST /access/ticket. The password may be a still-valid ticket (renewal). */
  login(username: string, password: string, realm?: string): { ticket: string; csrf: string; userid: string; admin: boolean } {
    const userid = username.includes('@') ? username : `${username}@${realm ?? 'pam'}`;
    const user = this.users.find((u) => u.userid === userid);
    let ok = !!user && safeEqual(user.password, password);
    if (!ok && user && password.startsWith('PVE:')) ok = this.checkTicket(password)?.user === userid;
    if (!user || !ok) throw new SimApiError(401, 'authentication failure');
    return { ...this.issueTicket(userid), userid, admin: user.admin };
  }

  private checkTicket(ticket: string): { user: string } | undefined {
    const m = /^(PVE:([^:]+):([0-9A-F]{8}))::(.+)$/.exec(ticket);
    if (!m || !safeEqual(this.sign(m[1]), m[4])) return undefined;
    const age = Date.now() / 1000 - parseInt(m[3], 16);
    if (age > this.lifetimeSeconds() || age < -300) return undefined;
    return { user: m[2] };
  }

  private checkCsrf(user: string, token: string | undefined): boolean {
    if (!token) return false;
    const m = /^([0-9A-F]{8}):(.+)$/.exec(token);
    if (!m || !safeEqual(this.sign(`csrf:${user}:${m[1]}`), m[2])) return false;
    const age = Date.now() / 1000 - parseInt(m[1], 16);
    return age <= this.lifetimeSeconds() && age >= -300;
  }

  /** Authenticates a request from its headers; throws PVE's 401s. */
  authenticate(method: string, headers: Record<string, string | string[] | undefined>): AuthResult {
    const authz = typeof headers.authorization === 'string' ? headers.authorization : '';
    const token = /^PVEAPIToken[= ](([^!\s]+)!([^=\s]+))[=:](.+)$/.exec(authz.trim());
    if (token) {
      const secret = this.tokens.get(token[1]);
      if (!secret || !safeEqual(secret, token[4])) throw new SimApiError(401, 'Authentication failed!');
      const user = this.users.find((u) => u.userid === token[2]);
      return { user: token[2], tokenid: token[3], viaTicket: false, admin: !!user?.admin };
    }
    let ticket = cookieValue(headers.cookie, 'PVEAuthCookie');
    if (!ticket && authz.startsWith('PVEAuthCookie=')) ticket = authz.slice('PVEAuthCookie='.length);
    if (!ticket) throw new SimApiError(401, 'No ticket');
    const t = this.checkTicket(decodeURIComponent(ticket));
    if (!t) throw new SimApiError(401, 'Authentication failed!');
    if (method !== 'GET') {
      const csrf = headers.csrfpreventiontoken;
      if (!this.checkCsrf(t.user, typeof csrf === 'string' ? csrf : undefined)) throw new SimApiError(401, 'Permission denied - invalid csrf token');
    }
    const user = this.users.find((u) => u.userid === t.user);
    return { user: t.user, viaTicket: true, admin: !!user?.admin };
  }
}

function cookieValue(cookie: string | string[] | undefined, name: string): string | undefined {
  const all = Array.isArray(cookie) ? cookie.join(';') : (cookie ?? '');
  for (const part of all.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

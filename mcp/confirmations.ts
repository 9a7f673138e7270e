// Confirmation tokens for destructive tools: the first call answers with the plan and a token bound to
// that exact request; only a second call carrying the token acts. Tokens are single-use and expire.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const TTL_MS = 5 * 60_000;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export class Confirmations {
  private readonly key = randomBytes(32);
  private readonly used = new Set<string>();

  issue(tool: string, request: unknown, now = Date.now()): string {
    const expires = (now + TTL_MS).toString(36);
    const nonce = randomBytes(6).toString('hex');
    return `${expires}.${nonce}.${this.sign(tool, request, expires, nonce)}`;
  }

  /** Returns why the token does not fit, or undefined when it does (and consumes it). */
  redeem(tool: string, request: unknown, token: string, now = Date.now()): string | undefined {
    const [expires, nonce, sig] = token.split('.');
    if (!expires || !nonce || !sig) return 'the confirm token is malformed; call the tool again without confirm to get a fresh plan and token';
    if (parseInt(expires, 36) < now) return 'the confirm token has expired (5 minutes); call again without confirm for a fresh plan';
    const want = Buffer.from(this.sign(tool, request, expires, nonce));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return 'the confirm token belongs to a different request; confirm exactly the request whose plan you were shown';
    if (this.used.has(token)) return 'the confirm token was already used; call again without confirm for a fresh plan';
    this.used.add(token);
    return undefined;
  }

  private sign(tool: string, request: unknown, expires: string, nonce: string): string {
    return createHmac('sha256', this.key).update(`${tool}\n${expires}\n${nonce}\n${canonical(request)}`).digest('base64url');
  }
}

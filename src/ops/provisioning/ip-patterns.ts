// `ipConfigPatterns`: one PVE `ipconfigN` value per interface, with `{…}` holding integer arithmetic on the
// VM's 0-based index within its group: "ip=10.0.100.{10+index}/24,gw=10.0.100.1" gives .10, .11, .12.
// Expansion and the checks PVE's `pve-qm-ipconfig` format makes (plus the ones it does not: the gateway and
// the address in one subnet, not the subnet's network or broadcast address) live here, pure.

/** What an expression may hold: integers, `index`, + - * and parentheses. */
const EXPR_RE = /^[\s\d+\-*()a-z]*$/;

/** Evaluates `10+index`, `2*index+1`, `(index+1)*10`: a tiny recursive-descent parser, no eval. */
export function evalIndexExpression(expr: string, index: number): number {
  if (!EXPR_RE.test(expr)) throw new Error(`'{${expr}}' may hold only integers, index, + - * and parentheses`);
  const tokens = expr.match(/\d+|index|[a-z]+|[+\-*()]/g) ?? [];
  let pos = 0;
  const peek = () => tokens[pos];
  const atom = (): number => {
    const t = tokens[pos++];
    if (t === undefined) throw new Error(`'{${expr}}' ends too early`);
    if (t === '(') {
      const v = sum();
      if (tokens[pos++] !== ')') throw new Error(`'{${expr}}' has an unclosed '('`);
      return v;
    }
    if (t === '-') return -atom();
    if (t === 'index') return index;
    if (/^\d+$/.test(t)) return Number(t);
    throw new Error(`'{${expr}}': unknown word '${t}' (only 'index')`);
  };
  const product = (): number => {
    let v = atom();
    while (peek() === '*') {
      pos++;
      v *= atom();
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (peek() === '+' || peek() === '-') {
      const op = tokens[pos++];
      v = op === '+' ? v + product() : v - product();
    }
    return v;
  };
  const value = sum();
  if (pos !== tokens.length) throw new Error(`'{${expr}}' has '${tokens[pos]}' where an operator was expected`);
  return value;
}

/** The pattern with every `{…}` replaced for this index. Throws on a malformed expression. */
export function expandPattern(pattern: string, index: number): string {
  if (/\{[^}]*\{|\}[^{]*\}/.test(pattern) || (pattern.match(/\{/g) ?? []).length !== (pattern.match(/\}/g) ?? []).length) {
    throw new Error(`unbalanced braces in '${pattern}'`);
  }
  return pattern.replace(/\{([^}]*)\}/g, (_, expr: string) => String(evalIndexExpression(expr, index)));
}

export interface Ipv4Cidr {
  /** The address as an unsigned 32-bit number. */
  addr: number;
  prefix: number;
  text: string;
}

export interface IpConfig {
  ip?: Ipv4Cidr | 'dhcp';
  gw?: { addr: number; text: string };
  ip6?: { text: string; prefix: number } | 'dhcp' | 'auto';
  gw6?: string;
}

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipv4(text: string): number | undefined {
  const m = IPV4_RE.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p, i) => p > 255 || (m[i + 1].length > 1 && m[i + 1].startsWith('0')))) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

export const ipv4Text = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

const mask = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** `10.0.100.0/24` for `10.0.100.12/24`. */
export function subnetOf(c: Ipv4Cidr): string {
  return `${ipv4Text((c.addr & mask(c.prefix)) >>> 0)}/${c.prefix}`;
}

// IPv6: PVE checks the syntax; moxxie compares canonical text for conflicts (no subnet arithmetic).
const IPV6_RE = /^[0-9a-f:]+(:\d{1,3}(\.\d{1,3}){3})?$/i;

function ipv6(text: string): string | undefined {
  if (!IPV6_RE.test(text) || !text.includes(':') || (text.match(/::/g) ?? []).length > 1) return undefined;
  const [head, tail] = text.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  if ([...h, ...t].some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  if (fill < 0 || (tail === undefined && h.length !== 8)) return undefined;
  return [...h, ...Array(fill).fill('0'), ...t].map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}

/** Parses an expanded `ipconfigN` value; throws naming what is wrong. */
export function parseIpConfig(text: string): IpConfig {
  const out: IpConfig = {};
  if (!text.trim()) throw new Error('is empty; use ip=dhcp or ip=ADDRESS/PREFIX[,gw=GATEWAY]');
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (key in out) throw new Error(`'${key}' is given twice`);
    if (key === 'ip') {
      if (value === 'dhcp') out.ip = 'dhcp';
      else {
        const [a, p, extra] = value.split('/');
        const addr = ipv4(a);
        const prefix = Number(p);
        if (addr === undefined || extra !== undefined || !/^\d{1,2}$/.test(p ?? '') || prefix > 32) throw new Error(`ip '${value}' is not dhcp or an IPv4 address with a prefix such as 10.0.1.10/24`);
        out.ip = { addr, prefix, text: value };
      }
    } else if (key === 'gw') {
      const addr = ipv4(value);
      if (addr === undefined) throw new Error(`gw '${value}' is not an IPv4 address`);
      out.gw = { addr, text: value };
    } else if (key === 'ip6') {
      if (value === 'dhcp' || value === 'auto') out.ip6 = value;
      else {
        const [a, p, extra] = value.split('/');
        const canonical = ipv6(a);
        const prefix = Number(p);
        if (!canonical || extra !== undefined || !/^\d{1,3}$/.test(p ?? '') || prefix > 128) throw new Error(`ip6 '${value}' is not dhcp, auto or an IPv6 address with a prefix`);
        out.ip6 = { text: `${canonical}/${prefix}`, prefix };
      }
    } else if (key === 'gw6') {
      const canonical = ipv6(value);
      if (!canonical) throw new Error(`gw6 '${value}' is not an IPv6 address`);
      out.gw6 = canonical;
    } else throw new Error(`unknown key '${key}' (valid: ip, gw, ip6, gw6)`);
  }
  if (out.gw && out.ip === undefined) throw new Error('gw needs a static ip');
  if (out.gw6 && out.ip6 === undefined) throw new Error('gw6 needs a static ip6');
  return out;
}

/** Why an expanded ipconfig cannot be used although PVE's format accepts it (outside its subnet). */
export function subnetProblem(c: IpConfig): string | undefined {
  if (!c.ip || c.ip === 'dhcp') return undefined;
  const m = mask(c.ip.prefix);
  const net = (c.ip.addr & m) >>> 0;
  const broadcast = (net | (~m >>> 0)) >>> 0;
  if (c.ip.prefix <= 30 && (c.ip.addr === net || c.ip.addr === broadcast)) {
    return `${ipv4Text(c.ip.addr)} is the ${c.ip.addr === net ? 'network' : 'broadcast'} address of ${subnetOf(c.ip)}`;
  }
  if (c.gw) {
    if (((c.gw.addr & m) >>> 0) !== net) return `gateway ${c.gw.text} is outside ${subnetOf(c.ip)}`;
    if (c.gw.addr === c.ip.addr) return `${c.gw.text} is both the address and the gateway`;
  }
  return undefined;
}

/** A syntax problem a pattern has for every index (checked by the schema, with index 0). */
export function ipPatternProblem(pattern: string): string | undefined {
  try {
    parseIpConfig(expandPattern(pattern, 0));
    return undefined;
  } catch (err) {
    return `'${pattern}': ${(err as Error).message}`;
  }
}

/** The addresses an expanded ipconfig claims (for conflict checks): '10.0.1.10', 'fd00::a'. */
export function claimedAddresses(c: IpConfig): string[] {
  const out: string[] = [];
  if (c.ip && c.ip !== 'dhcp') out.push(ipv4Text(c.ip.addr));
  if (c.ip6 && typeof c.ip6 === 'object') out.push(c.ip6.text.split('/')[0]);
  return out;
}

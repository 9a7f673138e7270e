// PVE's registered value formats (pve-common JSONSchema.pm and the packages that register more), for the
// ones simple enough to mirror, plus the named property-string formats apidoc.json only names.
// Ported from the project's shared pve-api/lookup.mjs.
import { isIPv4, isIPv6 } from 'node:net';
import type { SchemaProperty } from './routes.js';

export const isNumber = (v: string): boolean => /^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$/.test(v);
export const isInteger = (v: string): boolean => /^[+-]?\d+$/.test(v);

/** Booleans inside property strings accept on/off/yes/no/true/false (top-level parameters only 1/0). */
export function parseBoolean(v: string): string | undefined {
  if (/^(1|on|yes|true)$/i.test(v)) return '1';
  if (/^(0|off|no|false)$/i.test(v)) return '0';
  return undefined;
}

/** PVE::Tools::split_list: NUL-separated, else split on `,`, `;` and whitespace. */
export function splitList(v: string): string[] {
  if (v.includes('\0')) return v.split('\0');
  return v.replace(/[,;]/g, ' ').replace(/^\s+/, '').split(/\s+/).filter((x) => x !== '');
}

const regexCache = new Map<string, RegExp | null>();
/** A Perl pattern from the schema as an anchored JS RegExp (PVE matches m/^$pattern$/); null if untranslatable. */
export function perlRegex(pattern: string): RegExp | null {
  const cached = regexCache.get(pattern);
  if (cached !== undefined) return cached;
  const flags = pattern.includes('(?^i:') ? 'i' : '';
  const src = pattern.replace(/\(\?\^i?:/g, '(?:').replace(/\\z/g, '$').replace(/\\A/g, '^');
  let re: RegExp | null;
  try {
    re = new RegExp('^' + src + '\\n?$', flags);
  } catch {
    re = null;
  }
  regexCache.set(pattern, re);
  return re;
}

const ID_RE = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const USER_RE = /^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+$/;
const EMAIL_USER = '[\\w+\\-~]+(\\.[\\w+\\-~]+)*';
const EMAIL_RE = new RegExp(`^${EMAIL_USER}@[a-zA-Z0-9-]+(\\.[a-zA-Z0-9-]+)*$`);
const EMAIL_USER_RE = new RegExp(`^${EMAIL_USER}$`);
const DNS_RE = /^(([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)\.)*([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)$/;
const CONTENT_TYPES = ['images', 'rootdir', 'vztmpl', 'iso', 'backup', 'snippets', 'import', 'none'];

function cidr(v: string, ipCheck: (s: string) => boolean, maxBits: number): boolean {
  const m = /^(.+)\/(\d+)$/.exec(v);
  return !!m && ipCheck(m[1]) && Number(m[2]) >= 0 && Number(m[2]) <= maxBits;
}

/** A format validator: an error message, or undefined when the value passes. */
export type FormatCheck = (v: string) => string | undefined;

export const FORMAT_CHECKS: Record<string, FormatCheck> = {
  'pve-vmid': (v) => (/^[1-9][0-9]{2,8}$/.test(v) ? undefined : 'value does not look like a valid VM ID'),
  'pve-node': (v) => (/^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)$/.test(v) ? undefined : 'value does not look like a valid node name'),
  'pve-configid': (v) => (/^[a-z][a-z0-9_-]+$/i.test(v) ? undefined : `invalid configuration ID '${v}'`),
  'pve-storage-id': (v) => (ID_RE.test(v) ? undefined : `storage ID '${v}' contains illegal characters`),
  'pve-bridge-id': (v) => (/^[-_.\w]+$/.test(v) ? undefined : `invalid bridge ID '${v}'`),
  'pve-iface': (v) => (/^[a-z][a-z0-9_]{1,20}([:.]\d+)?$/i.test(v) ? undefined : `invalid network interface name '${v}'`),
  'pve-tag': (v) => (/^[a-z0-9_][a-z0-9_\-+.]*$/i.test(v) ? undefined : 'invalid characters in tag'),
  'pve-poolid': (v) => (/^[A-Za-z0-9.\-_]+(?:\/[A-Za-z0-9.\-_]+){0,2}$/.test(v) ? undefined : `invalid pool name '${v}'`),
  'pve-userid': (v) =>
    v.length < 3 ? `user name '${v}' is too short` : v.length > 64 ? `user name '${v}' is too long` : USER_RE.test(v) ? undefined : `value '${v}' does not look like a valid user name`,
  'pve-realm': (v) => (/^[A-Za-z][A-Za-z0-9.\-_]+$/.test(v) ? undefined : `realm '${v}' does not look like a valid realm`),
  'pve-volume-id': (v) => (/^[a-z][a-z0-9\-_.]*[a-z0-9]:.+$/is.test(v) ? undefined : `unable to parse volume ID '${v}'`),
  'pve-storage-content': (v) => (CONTENT_TYPES.includes(v) ? undefined : `invalid content type '${v}'`),
  'mac-addr': (v) => (/^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i.test(v) ? undefined : 'value does not look like a valid unicast MAC address'),
  urlencoded: (v) => (/^[-%a-zA-Z0-9_.!~*'()]*$/.test(v) ? undefined : `invalid urlencoded string: ${v}`),
  ipv4: (v) => (isIPv4(v) ? undefined : 'value does not look like a valid IPv4 address'),
  ipv6: (v) => (isIPv6(v) ? undefined : 'value does not look like a valid IPv6 address'),
  ip: (v) => (isIPv4(v) || isIPv6(v) ? undefined : 'value does not look like a valid IP address'),
  CIDRv4: (v) => (cidr(v, isIPv4, 32) ? undefined : 'value does not look like a valid IPv4 CIDR network'),
  CIDRv6: (v) => (cidr(v, isIPv6, 128) ? undefined : 'value does not look like a valid IPv6 CIDR network'),
  CIDR: (v) => (cidr(v, isIPv4, 32) || cidr(v, isIPv6, 128) ? undefined : 'value does not look like a valid CIDR network'),
  'dns-name': (v) => (DNS_RE.test(v) ? undefined : 'value does not look like a valid DNS name'),
  address: (v) => (isIPv4(v) || isIPv6(v) || DNS_RE.test(v) ? undefined : `value does not look like a valid address: ${v}`),
  email: (v) => (EMAIL_RE.test(v) ? undefined : 'value does not look like a valid email address'),
  'email-or-username': (v) => (EMAIL_RE.test(v) || EMAIL_USER_RE.test(v) ? undefined : 'value does not look like a valid email address or user name'),
  'pve-ipv4-config': (v) => (/^(?:dhcp|manual)$/.test(v) || cidr(v, isIPv4, 32) ? undefined : 'value does not look like a valid ipv4 network configuration'),
  'pve-ipv6-config': (v) => (/^(?:auto|dhcp|manual)$/.test(v) || cidr(v, isIPv6, 128) ? undefined : 'value does not look like a valid ipv6 network configuration'),
  'disk-size': (v) => (/^(\d+(\.\d+)?)([KMGT](?:iB)?)?$/.test(v) ? undefined : `invalid size: ${v}`),
  'pve-startup-order': (v) =>
    v.split(',').every((p) => /^\s*$/.test(p) || /^(order=)?\d+$/.test(p) || /^(up|down)=\d+$/.test(p)) ? undefined : 'unable to parse startup options',
  string: () => undefined,
};

const OPT = { optional: 1 };
/** Property-string formats apidoc.json references only by name (qemu-server, pve-storage, pve-guest-common). */
export const NAMED_PROPERTY_FORMATS: Record<string, Record<string, SchemaProperty>> = {
  'pve-qm-ipconfig': {
    ip: { type: 'string', format: 'pve-ipv4-config', ...OPT },
    gw: { type: 'string', format: 'ipv4', requires: 'ip', ...OPT },
    ip6: { type: 'string', format: 'pve-ipv6-config', ...OPT },
    gw6: { type: 'string', format: 'ipv6', requires: 'ip6', ...OPT },
  },
  'prune-backups': Object.fromEntries([
    ['keep-all', { type: 'boolean', ...OPT }],
    ...['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'].map((k) => [`keep-${k}`, { type: 'integer', minimum: 0, ...OPT }]),
  ]) as Record<string, SchemaProperty>,
  'backup-fleecing': {
    enabled: { type: 'boolean', default_key: 1, ...OPT },
    storage: { type: 'string', format: 'pve-storage-id', ...OPT },
  },
  'pve-qm-boot': {
    legacy: { type: 'string', pattern: '[acdn]{1,4}', default_key: 1, ...OPT },
    order: { type: 'string', ...OPT },
  },
};

// Request parameter decoding as pve-http-server does it: query and urlencoded bodies split on '&' and ';',
// repeated keys become arrays, JSON bodies decoded, query parameters win over the body.
import type { WireParams, WireValue } from './schema/validate.js';

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

export function parseUrlencoded(text: string): WireParams {
  const out: WireParams = {};
  for (const pair of text.split(/[&;]/)) {
    if (!pair) continue;
    // A raw '=' inside a value truncates it, exactly as PVE's hand-built parser does.
    const [rawKey, rawValue = ''] = pair.split('=');
    const key = decode(rawKey);
    const value = decode(rawValue);
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

export function parseJsonBody(text: string): WireParams | undefined {
  const parsed: unknown = JSON.parse(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const out: WireParams = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) out[k] = v as WireValue;
  return out;
}

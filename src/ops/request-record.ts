// The request as an operation and the audit log keep it: plain JSON data, detached from the caller's
// object, with anything that looks like a credential dropped (requests carry none; this keeps it so).
const SECRET_KEY = /pass(word)?|secret|token|ticket|api[-_]?key|credential/i;

/** A request field that holds a credential: never recorded, logged or shown (every front end asks here). */
export function isSecretField(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function recordableRequest(request: unknown): unknown {
  return strip(JSON.parse(JSON.stringify(request ?? null)) as unknown);
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => !SECRET_KEY.test(k)).map(([k, v]) => [k, strip(v)]));
  }
  return value;
}

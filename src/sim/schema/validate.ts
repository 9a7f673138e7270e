// Parameter validation as PVE::JSONSchema does it (check_prop / check_type / check_format and
// parse_property_string), so the simulator answers a bad request with PVE's own 400 and messages.
// Ported from the project's shared pve-api/lookup.mjs.
import { FORMAT_CHECKS, NAMED_PROPERTY_FORMATS, isInteger, isNumber, parseBoolean, perlRegex, splitList } from './formats.js';
import type { MethodInfo, SchemaProperty } from './routes.js';

export type WireValue = string | boolean | number | null | WireValue[] | { [k: string]: WireValue };
export type WireParams = Record<string, WireValue>;
export type ParamErrors = Record<string, string>;

// apidoc.json collapses numbered keys (net0, net1, ...) into "net[n]"; bounds from qemu-server / pve-container.
const INDEX_COUNTS: Record<string, Record<string, number>> = {
  qemu: { hostpci: 16, ide: 4, ipconfig: 32, net: 32, numa: 8, parallel: 3, sata: 6, scsi: 31, serial: 4, unused: 256, usb: 14, virtio: 16, virtiofs: 10 },
  lxc: { dev: 256, mp: 256, net: 32, unused: 256 },
  other: { link: 8, acmedomain: 6 },
};

function addError(errors: ParamErrors, path: string, msg: string): void {
  const p = path || '_root';
  errors[p] = errors[p] ? `${errors[p]}\\n${msg}` : msg;
}

function checkPropertyString(format: Record<string, SchemaProperty>, value: string, path: string): string | undefined {
  const res: Record<string, string> = {};
  let defaultKey: string | null = null;
  const errs: string[] = [];
  for (const part of value.split(',')) {
    if (/^\s*$/.test(part)) continue;
    const kv = /^([^=]+)=(.+)$/s.exec(part);
    if (kv) {
      let k = kv[1];
      let v = kv[2];
      if (res[k] !== undefined) {
        errs.push(`duplicate key in comma-separated list property: ${k}`);
        break;
      }
      let sub = format[k];
      if (sub?.alias) {
        if (sub.keyAlias) {
          if (res[sub.keyAlias] !== undefined) {
            errs.push(`key alias '${sub.keyAlias}' is already defined`);
            break;
          }
          res[sub.keyAlias] = k;
        }
        k = sub.alias;
        sub = format[k];
      }
      if (!sub) {
        errs.push(`invalid key in comma-separated list property: ${k}`);
        break;
      }
      if (sub.type === 'boolean') v = parseBoolean(v) ?? v;
      res[k] = v;
    } else if (!part.includes('=')) {
      if (defaultKey) {
        errs.push(`duplicate key in comma-separated list property: ${defaultKey}`);
        break;
      }
      const dk = Object.keys(format).find((k) => format[k].default_key);
      if (!dk) {
        errs.push('value without key, but schema does not define a default key');
        break;
      }
      defaultKey = dk;
      if (res[dk] !== undefined) {
        errs.push(`duplicate key in comma-separated list property: ${dk}`);
        break;
      }
      res[dk] = part;
    } else {
      errs.push('missing key in comma-separated list property');
      break;
    }
  }
  if (errs.length) return `invalid format - ${errs[0]}\n`;
  const sub: ParamErrors = {};
  checkObject(path, format, res, 0, sub, 'other');
  if (Object.keys(sub).length) {
    return 'invalid format - format error\n' + Object.entries(sub).map(([k, m]) => `${k}: ${m}\n`).join('');
  }
  return undefined;
}

function checkFormat(format: string | Record<string, SchemaProperty>, value: string, path: string): string | undefined {
  if (typeof format === 'object') return checkPropertyString(format, value, path);
  if (format === 'regex') return undefined;
  const m = /^(.*?)(?:-(list|opt))?$/.exec(format);
  const name = m?.[1] ?? format;
  const kind = m?.[2] ?? 'none';
  if (kind === 'none' && NAMED_PROPERTY_FORMATS[name]) return checkPropertyString(NAMED_PROPERTY_FORMATS[name], value, path);
  const fn = FORMAT_CHECKS[name];
  if (!fn) return undefined; // formats whose validators PVE keeps in code we do not mirror
  if (kind === 'list') {
    for (const item of splitList(value)) {
      const e = fn(item);
      if (e) return `invalid format - ${e}\n`;
    }
    return undefined;
  }
  if (kind === 'opt' && !value) return undefined;
  const e = fn(value);
  return e ? `invalid format - ${e}\n` : undefined;
}

function refName(v: WireValue): string | null {
  if (Array.isArray(v)) return 'ARRAY';
  if (v !== null && typeof v === 'object') return 'HASH';
  return null;
}

function checkProp(value: WireValue | undefined, schema: SchemaProperty, path: string, errors: ParamErrors): void {
  if (value === undefined || value === null) {
    if (!schema.optional && !schema.alias && !schema.group) addError(errors, path, 'property is missing and it is not optional');
    return;
  }
  const type = schema.type;
  if (type && type !== 'any') {
    const ref = typeof value === 'boolean' ? 'JSON::PP::Boolean' : refName(value);
    if (type === 'array') {
      if (ref !== 'ARRAY') return addError(errors, path, `type check ('array') failed`);
    } else if (type === 'object') {
      if (ref !== 'HASH') return addError(errors, path, `type check ('object') failed`);
    } else if (ref) {
      if (!(type === 'boolean' && typeof value === 'boolean')) return addError(errors, path, `type check ('${type}') failed - got ${ref}`);
    } else {
      const s = String(value);
      if (type === 'boolean' && s !== '1' && s !== '0') return addError(errors, path, `type check ('boolean') failed - got '${s}'`);
      if (type === 'integer' && !isInteger(s)) return addError(errors, path, `type check ('integer') failed - got '${s}'`);
      if (type === 'number' && !isNumber(s)) return addError(errors, path, `type check ('number') failed - got '${s}'`);
    }
  }
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((el, i) => checkProp(el, schema.items as SchemaProperty, `${path}[${i}]`, errors));
    return;
  }
  if (typeof value === 'object' || typeof value === 'boolean') return;
  const s = String(value);
  if (schema.format) {
    const e = checkFormat(schema.format, s, path);
    if (e) return addError(errors, path, e);
  }
  if (schema.pattern) {
    const re = perlRegex(schema.pattern);
    if (re && !re.test(s)) return addError(errors, path, 'value does not match the regex pattern');
  }
  const len = [...s].length;
  if (schema.maxLength !== undefined && len > schema.maxLength) return addError(errors, path, `value may only be ${schema.maxLength} characters long`);
  if (schema.minLength !== undefined && len < schema.minLength) return addError(errors, path, `value must be at least ${schema.minLength} characters long`);
  if (isNumber(s)) {
    if (schema.maximum !== undefined && Number(s) > Number(schema.maximum)) return addError(errors, path, `value must have a maximum value of ${schema.maximum}`);
    if (schema.minimum !== undefined && Number(s) < Number(schema.minimum)) return addError(errors, path, `value must have a minimum value of ${schema.minimum}`);
  }
  if (schema.enum && !schema.enum.some((ev) => String(ev) === s)) {
    addError(errors, path, `value '${s}' does not have a value in the enumeration '${schema.enum.join(', ')}'`);
  }
}

function resolveKey(props: Record<string, SchemaProperty>, key: string, family: string): { prop: SchemaProperty | null; why?: string } {
  if (props[key]) return { prop: props[key] };
  const m = /^([a-z]+)(\d+)$/.exec(key);
  if (m && props[`${m[1]}[n]`]) {
    const count = INDEX_COUNTS[family]?.[m[1]];
    const idx = Number(m[2]);
    if (String(idx) !== m[2]) return { prop: null };
    if (count !== undefined && idx >= count) return { prop: null, why: `index out of range (${m[1]}0..${m[1]}${count - 1})` };
    return { prop: props[`${m[1]}[n]`] };
  }
  return { prop: null };
}

function checkObject(
  path: string,
  props: Record<string, SchemaProperty>,
  value: Record<string, WireValue>,
  additional: number | boolean | undefined,
  errors: ParamErrors,
  family: string,
): void {
  for (const [k, p] of Object.entries(props)) {
    if (k.endsWith('[n]')) continue;
    if (value[k] === undefined) checkProp(undefined, p, path ? `${path}.${k}` : k, errors);
  }
  for (const [k, v] of Object.entries(value)) {
    const kp = path ? `${path}.${k}` : k;
    const { prop, why } = resolveKey(props, k, family);
    if (!prop) {
      if (additional === 0 || additional === false) {
        addError(errors, kp, 'property is not defined in schema and the schema does not allow additional properties' + (why ? ` [${why}]` : ''));
      }
      continue;
    }
    if (typeof prop.requires === 'string' && value[prop.requires] === undefined) {
      addError(errors, path ? `${path}.${prop.requires}` : prop.requires, `missing property - '${kp}' requires this property`);
    }
    if (v !== undefined) checkProp(v, prop, kp, errors);
  }
}

/** Whether a method takes a parameter (numbered keys such as net3 included), as PVE's option_exists. */
export function optionExists(schemaPath: string, info: MethodInfo, key: string): boolean {
  const family = schemaPath.startsWith('/nodes/{node}/qemu') ? 'qemu' : schemaPath.startsWith('/nodes/{node}/lxc') ? 'lxc' : 'other';
  return resolveKey(info.parameters?.properties ?? {}, key, family).prop !== null;
}

/**
 * Validates merged request parameters (query + body + path) against one schema method.
 * Returns the normalised parameters and PVE's per-parameter errors (empty when valid).
 */
export function validateRequest(
  schemaPath: string,
  info: MethodInfo,
  pathParams: Record<string, string>,
  params: WireParams,
): { params: WireParams; errors: ParamErrors } {
  const props = info.parameters?.properties ?? {};
  const family = schemaPath.startsWith('/nodes/{node}/qemu') ? 'qemu' : schemaPath.startsWith('/nodes/{node}/lxc') ? 'lxc' : 'other';
  const errors: ParamErrors = {};
  for (const [k, v] of Object.entries(params)) {
    if (k in pathParams && String(v) !== pathParams[k]) addError(errors, k, 'duplicate parameter (already defined in URI) with conflicting values!');
  }
  const merged: WireParams = { ...params, ...pathParams };
  delete merged._dc;
  for (const [k, p] of Object.entries(props)) {
    const v = merged[k];
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v) && p.type === 'string' && typeof p.format === 'string' && p.format.endsWith('-list')) merged[k] = v.join(',');
    else if (!Array.isArray(v) && p.type === 'array') merged[k] = [v];
  }
  checkObject('', props, merged, info.parameters?.additionalProperties, errors, family);
  return { params: merged, errors };
}

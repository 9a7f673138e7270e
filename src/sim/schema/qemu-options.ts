// The qemu VM option schema, read from apidoc.json's PUT .../config: which option names exist and how
// their values are typed in a config answer (integers and booleans as numbers, the rest as strings).
import { optionExists } from './validate.js';
import { routeTable, type MethodInfo, type SchemaProperty } from './routes.js';

const CONFIG_PATH = '/nodes/{node}/qemu/{vmid}/config';
let configInfo: MethodInfo | undefined;

function info(): MethodInfo {
  if (!configInfo) {
    const match = routeTable().match(['nodes', 'n', 'qemu', '100', 'config']);
    const put = match?.entry.info.PUT;
    if (!put) throw new Error(`simulator: schema has no PUT ${CONFIG_PATH}`);
    configInfo = put;
  }
  return configInfo;
}

function property(key: string): SchemaProperty | undefined {
  const props = info().parameters?.properties ?? {};
  return props[key] ?? props[key.replace(/\d+$/, '[n]')];
}

/** PVE's option_exists for qemu configs. */
export function qemuOptionExists(key: string): boolean {
  return optionExists(CONFIG_PATH, info(), key);
}

/** A parameter value as PVE stores and returns it in the config. */
export function qemuConfigValue(key: string, value: unknown): string | number {
  const type = property(key)?.type;
  if (value === true) return type === 'string' ? '1' : 1;
  if (value === false) return type === 'string' ? '0' : 0;
  if ((type === 'integer' || type === 'boolean' || type === 'number') && value !== '' && Number.isFinite(Number(value))) return Number(value);
  return String(value);
}

// Loads the real PVE API schema (apidoc-9.json from pve-docs 9.1.3, apidoc.json from pve-docs 8.4; one per
// simulator profile) and maps concrete request paths onto its entries, the way PVE's RESTHandler routes them.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface SchemaProperty {
  type?: string;
  optional?: number | boolean;
  format?: string | Record<string, SchemaProperty>;
  pattern?: string;
  enum?: Array<string | number>;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  requires?: string | Record<string, unknown>;
  alias?: string;
  keyAlias?: string;
  default_key?: number | boolean;
  typetext?: string;
  items?: SchemaProperty;
  group?: string;
}

export interface MethodInfo {
  name: string;
  allowtoken?: number;
  /** 'node': pveproxy forwards the call to the node named in the path. */
  proxyto?: string;
  parameters?: { additionalProperties?: number | boolean; properties?: Record<string, SchemaProperty> };
}

export interface RouteEntry {
  path: string;
  segs: string[];
  /** Placeholder names by segment index; null for fixed segments. */
  placeholders: Array<string | null>;
  info: Partial<Record<HttpMethod, MethodInfo>>;
}

export interface RouteMatch {
  entry: RouteEntry;
  pathParams: Record<string, string>;
}

export interface ApidocNode {
  path: string;
  info?: Partial<Record<HttpMethod, MethodInfo>>;
  children?: ApidocNode[];
}

/** The PVE release a simulator answers as; each has its own schema file. */
export type SchemaVersion = '9' | '8.4';
export const SCHEMA_FILES: Record<SchemaVersion, string> = { '9': 'apidoc-9.json', '8.4': 'apidoc.json' };

/** The build's copy without documentation (schema-compact.ts), or the original when nothing is built. */
export const COMPACT_SCHEMA_DIR = 'dist/sim-schema';

function findSchemaFile(version: SchemaVersion): string {
  // src/sim/schema when run from sources (vitest); dist/src/sim/schema when compiled: walk up to the package root.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      readFileSync(join(dir, 'package.json'));
    } catch {
      dir = dirname(dir);
      continue;
    }
    const compact = join(dir, COMPACT_SCHEMA_DIR, SCHEMA_FILES[version]);
    return existsSync(compact) ? compact : join(dir, 'src/sim/schema', SCHEMA_FILES[version]);
  }
  throw new Error(`simulator: cannot find src/sim/schema/${SCHEMA_FILES[version]} from the package root`);
}

export class RouteTable {
  private readonly bySegCount = new Map<number, RouteEntry[]>();

  constructor(tree: ApidocNode[]) {
    const walk = (nodes: ApidocNode[]): void => {
      for (const n of nodes) {
        if (n.info && Object.keys(n.info).length) {
          const segs = n.path.split('/').filter(Boolean);
          const placeholders = segs.map((s) => /^\{([^}:]+)(?::.*)?\}$/.exec(s)?.[1] ?? null);
          const entry: RouteEntry = { path: n.path, segs, placeholders, info: n.info };
          const list = this.bySegCount.get(segs.length) ?? [];
          list.push(entry);
          this.bySegCount.set(segs.length, list);
        }
        if (n.children) walk(n.children);
      }
    };
    walk(tree);
  }

  match(segs: string[]): RouteMatch | null {
    for (const entry of this.bySegCount.get(segs.length) ?? []) {
      const pathParams: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segs.length; i++) {
        const name = entry.placeholders[i];
        if (name) {
          if (!/^\S+$/.test(segs[i])) {
            ok = false;
            break;
          }
          pathParams[name] = segs[i];
        } else if (entry.segs[i] !== segs[i]) {
          ok = false;
          break;
        }
      }
      if (ok) return { entry, pathParams };
    }
    return null;
  }
}

/** Splits a decoded path below /api2/json; the rest of a storage content path is one segment (volume ids hold '/'). */
export function splitApiPath(decodedPath: string): string[] {
  let segs = decodedPath.split('/').filter(Boolean);
  if (segs[0] === 'nodes' && segs[2] === 'storage' && segs[4] === 'content' && segs.length > 6) {
    segs = [...segs.slice(0, 5), segs.slice(5).join('/')];
  }
  return segs;
}

const shared = new Map<SchemaVersion, RouteTable>();
/** Parsed once per process and version: each schema is 3.5-4 MB. */
export function routeTable(version: SchemaVersion = '9'): RouteTable {
  let table = shared.get(version);
  if (!table) {
    table = new RouteTable(JSON.parse(readFileSync(findSchemaFile(version), 'utf8')) as ApidocNode[]);
    shared.set(version, table);
  }
  return table;
}

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

/** What routes a request: the whole schema, or the build's compact copy one top-level branch at a time. */
export interface Routes {
  match(segs: string[]): RouteMatch | null;
}

/**
 * The build's compact schema holds each top-level branch (/cluster, /nodes, ...) on a line of its own
 * (schemaLines), still one JSON array. A branch is parsed when a request first asks for a path in it, so a
 * simulator's first answer (the inventory's /cluster/resources) does not wait for /nodes, the larger half.
 */
class BranchRoutes implements Routes {
  private readonly parsed = new Map<string, RouteTable>();

  constructor(private readonly lines: Map<string, string>) {}

  match(segs: string[]): RouteMatch | null {
    const branch = segs[0] ?? '';
    let table = this.parsed.get(branch);
    if (!table) {
      const line = this.lines.get(branch);
      if (line === undefined) return null;
      table = new RouteTable([JSON.parse(line) as ApidocNode]);
      this.parsed.set(branch, table);
    }
    return table.match(segs);
  }
}

/** The schema as the compact file stores it: `[`, one top-level branch per line (each but the last followed by a comma), `]`. */
export function schemaLines(tree: ApidocNode[]): string {
  // The path first, where branchLines looks for it.
  return `[\n${tree.map(({ path, ...rest }) => JSON.stringify({ path, ...rest })).join(',\n')}\n]\n`;
}

/** The branches of a file schemaLines wrote, by their path's first segment; null for any other layout. */
function branchLines(text: string): Map<string, string> | null {
  const lines = text.split('\n');
  if (lines[0] !== '[' || lines.at(-2) !== ']') return null;
  const out = new Map<string, string>();
  for (const raw of lines.slice(1, -2)) {
    const line = raw.endsWith(',') ? raw.slice(0, -1) : raw;
    const path = /^\{"path":"\/([^"/]*)"/.exec(line)?.[1];
    if (path === undefined) return null;
    out.set(path, line);
  }
  return out;
}

/** The routes of a schema file's text: branch by branch when schemaLines wrote it, else the whole tree at once. */
export function routesOf(text: string): Routes {
  const branches = branchLines(text);
  return branches ? new BranchRoutes(branches) : new RouteTable(JSON.parse(text) as ApidocNode[]);
}

const shared = new Map<SchemaVersion, Routes>();
/** Read once per process and version (each schema is 3.5-4 MB; the compact copy parsed branch by branch). */
export function routeTable(version: SchemaVersion = '9'): Routes {
  let table = shared.get(version);
  if (!table) {
    table = routesOf(readFileSync(findSchemaFile(version), 'utf8'));
    shared.set(version, table);
  }
  return table;
}

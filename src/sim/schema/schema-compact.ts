// PVE's schema files are 3.5-4 MB, nearly all of it prose (description, verbose_description, typetext). The
// simulator checks requests against the rest, so the build writes a copy without the prose: the demo's
// simulator thread and every test's simulator read and parse it in a fraction of the time. Nothing else is
// dropped: every method keeps its name, token, proxy and permission settings and its answer's schema, and
// every parameter every key but its prose.
import type { ApidocNode } from './routes.js';

/** Prose on a parameter's schema; no check reads it. */
const PROSE_KEYS = new Set(['description', 'verbose_description', 'typetext']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type SchemaObject = { [key: string]: Json };

const isObject = (v: Json | undefined): v is SchemaObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A property schema without its prose. `properties` and an object `format` are maps of names (a parameter
 *  may itself be called "description"), so their keys are kept and only their values are compacted. */
function compactProperty(schema: SchemaObject): SchemaObject {
  const out: SchemaObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (PROSE_KEYS.has(key)) continue;
    if ((key === 'properties' || key === 'format') && isObject(value)) out[key] = compactMap(value);
    else if (key === 'items' && isObject(value)) out[key] = compactProperty(value);
    else out[key] = value;
  }
  return out;
}

function compactMap(map: SchemaObject): SchemaObject {
  const out: SchemaObject = {};
  for (const [name, value] of Object.entries(map)) out[name] = isObject(value) ? compactProperty(value) : value;
  return out;
}

/** A method without its prose: its parameters, its answer's schema (tests check answers against it) and its
 *  permissions keep every key but their descriptions. */
function compactMethod(method: SchemaObject): SchemaObject {
  const out: SchemaObject = {};
  for (const [key, value] of Object.entries(method)) {
    if (PROSE_KEYS.has(key)) continue;
    out[key] = isObject(value) ? compactProperty(value) : value;
  }
  return out;
}

export function compactApidoc(tree: ApidocNode[]): ApidocNode[] {
  return tree.map((node) => {
    const out: ApidocNode = { path: node.path };
    if (node.info) {
      const info: Record<string, SchemaObject> = {};
      for (const [method, spec] of Object.entries(node.info)) info[method] = compactMethod(spec as unknown as SchemaObject);
      out.info = info as unknown as ApidocNode['info'];
    }
    if (node.children) out.children = compactApidoc(node.children);
    return out;
  });
}

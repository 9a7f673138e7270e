// The build's copy of PVE's schemas (dist/sim-schema) must check requests exactly as the originals do: the
// same routes, methods and parameters, and every key of every parameter but its prose.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compactApidoc } from '../../src/sim/schema/schema-compact.js';
import { RouteTable, routesOf, schemaLines, SCHEMA_FILES, splitApiPath, type ApidocNode } from '../../src/sim/schema/routes.js';

type Obj = Record<string, unknown>;
const PROSE = ['description', 'verbose_description', 'typetext'];

function methods(tree: ApidocNode[], out = new Map<string, Obj>()): Map<string, Obj> {
  for (const node of tree) {
    for (const [method, spec] of Object.entries(node.info ?? {})) out.set(`${method} ${node.path}`, spec as unknown as Obj);
    if (node.children) methods(node.children, out);
  }
  return out;
}

const propertiesOf = (spec: Obj) => ((spec.parameters as Obj | undefined)?.properties ?? {}) as Record<string, Obj>;

describe.each(Object.values(SCHEMA_FILES))('compact %s', (file) => {
  const text = readFileSync(join(import.meta.dirname, '../../src/sim/schema', file), 'utf8');
  const original = JSON.parse(text) as ApidocNode[];
  const compact = compactApidoc(original);
  const before = methods(original);
  const after = methods(compact);

  it('is written one top-level branch per line, still one JSON array, and routes every path as the whole tree does', () => {
    const text = schemaLines(compact);
    expect(JSON.parse(text)).toEqual(compact);
    expect(text.split('\n')).toHaveLength(compact.length + 3);
    const lines = routesOf(text);
    expect(lines).not.toBeInstanceOf(RouteTable);
    const whole = new RouteTable(compact);
    // Every route (placeholders filled in), and paths no route has.
    const paths = [...after.keys()].map((key) => key.split(' ')[1].replace(/\{[^}]+\}/g, 'x1'));
    paths.push('/nodes/x1/qemu/100/nonsense', '/nope', '/', '/cluster/resources/extra');
    for (const path of paths) {
      const segs = splitApiPath(path);
      const a = lines.match(segs);
      const b = whole.match(segs);
      expect(a?.entry.path, path).toBe(b?.entry.path);
      expect(a?.pathParams, path).toEqual(b?.pathParams);
    }
    // Text in any other layout is routed as a whole tree.
    expect(routesOf(JSON.stringify(compact))).toBeInstanceOf(RouteTable);
  });

  it('keeps every route and method, with its name, token, proxy and permission settings and its answer', () => {
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [key, spec] of before) {
      const kept = after.get(key)!;
      for (const field of ['name', 'allowtoken', 'proxyto', 'protected']) expect(kept[field], `${key} ${field}`).toEqual(spec[field]);
      expect((kept.parameters as Obj | undefined)?.additionalProperties, key).toEqual((spec.parameters as Obj | undefined)?.additionalProperties);
      expect((kept.permissions as Obj | undefined)?.check, key).toEqual((spec.permissions as Obj | undefined)?.check);
      expect((kept.returns as Obj | undefined)?.type, key).toEqual((spec.returns as Obj | undefined)?.type);
      const answerItems = (r: Obj) => Object.keys((((r.returns as Obj | undefined)?.items as Obj | undefined)?.properties as Obj | undefined) ?? {}).sort();
      expect(answerItems(kept), key).toEqual(answerItems(spec));
    }
  });

  it('keeps every parameter, and every key of it but its prose', () => {
    let checked = 0;
    for (const [key, spec] of before) {
      const keptProps = propertiesOf(after.get(key)!);
      expect(Object.keys(keptProps).sort(), key).toEqual(Object.keys(propertiesOf(spec)).sort());
      for (const [name, prop] of Object.entries(propertiesOf(spec))) {
        const kept = keptProps[name];
        expect(Object.keys(kept).sort(), `${key} ${name}`).toEqual(Object.keys(prop).filter((k) => !PROSE.includes(k)).sort());
        for (const [k, v] of Object.entries(prop)) {
          if (PROSE.includes(k)) continue;
          // A format map keeps every sub-key's name, a list's item schema every key but its prose; a scalar
          // or list is kept as it is.
          if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
            const names = Object.keys(v).filter((n) => k !== 'items' || !PROSE.includes(n));
            expect(Object.keys(kept[k] as Obj).sort(), `${key} ${name}.${k}`).toEqual(names.sort());
          }
          else expect(kept[k], `${key} ${name}.${k}`).toEqual(v);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('keeps a parameter that is itself called "description" (a qemu and lxc config key)', () => {
    expect(propertiesOf(after.get('PUT /nodes/{node}/qemu/{vmid}/config')!).description).toMatchObject({ type: 'string', optional: 1 });
    expect(propertiesOf(after.get('PUT /nodes/{node}/lxc/{vmid}/config')!).description).toMatchObject({ type: 'string', optional: 1 });
  });

  it('drops the prose, which is most of the file', () => {
    const written = JSON.stringify(compact);
    expect(written).not.toContain('"verbose_description"');
    expect(written).not.toContain('"typetext"');
    expect(written.length).toBeLessThan(text.length / 4);
  });
});

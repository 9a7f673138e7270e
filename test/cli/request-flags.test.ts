// How a capability verb's words and flags become its request (cli/request-flags.ts), without a process or a
// cluster: every capability of the registry gets a shape (no flag shadows another), flags are typed by their
// field, the words fill the mode, the selector and the rest, and --file is merged under the command line.
import { describe, expect, it } from 'vitest';
import { buildRequest, readCommandLine, UsageError, verbShape } from '../../cli/request-flags.js';
import { CAPABILITIES } from '../../src/ops/capabilities/index.js';

const shapeOf = (kind: keyof typeof CAPABILITIES) => verbShape(CAPABILITIES[kind]);
const request = (kind: keyof typeof CAPABILITIES, argv: string[], body?: Record<string, unknown>) => {
  const shape = shapeOf(kind);
  return buildRequest(shape, readCommandLine(shape, argv), body);
};

describe('request flags from the capability registry', () => {
  it('gives every capability a verb shape whose flags are its fields in kebab case, plus its aliases', () => {
    for (const c of Object.values(CAPABILITIES)) {
      const shape = verbShape(c);
      expect(shape.words).toEqual(c.names.verb);
      const names = shape.flags.flatMap((f) => [f.flag, ...f.aliases]);
      expect(new Set(names).size).toBe(names.length);
      for (const alias of Object.keys(c.names.cli?.aliases ?? {})) expect(names).toContain(alias);
    }
    expect(shapeOf('snapshot.create').flags.find((f) => f.field === 'ttlHours')).toMatchObject({ flag: 'ttl-hours', aliases: ['ttl'], type: 'number', integer: true, min: 1, max: 8760 });
    expect(shapeOf('power').mode).toMatchObject({ field: 'operation', type: 'enum' });
    expect(shapeOf('tags').rest).toMatchObject({ field: 'tags', type: 'list' });
  });

  it('maps words and typed flags to the seed\'s field names', () => {
    expect(request('snapshot.create', ['id:8200-8209', '--name', 'pre-{vm}', '--ttl', '24', '--include-memory', '--max-parallel=3'])).toEqual({
      vmSelectors: 'id:8200-8209',
      snapshotName: 'pre-{vm}',
      ttlHours: 24,
      includeMemory: true,
      maxParallel: 3,
    });
    expect(request('power', ['Shutdown', 'tag:web', '--timeout', '60', '--skip-if-already-in-state', 'false', '--on-failure', 'STOP'])).toEqual({
      operation: 'SHUTDOWN',
      vmSelectors: 'tag:web',
      timeoutSeconds: 60,
      skipIfAlreadyInState: false,
      onFailure: 'stop',
    });
    expect(request('tags', ['add', 'all', 'a', 'b', '--no-force'])).toEqual({ action: 'ADD', vmSelectors: 'all', tags: ['a', 'b'], force: false });
    expect(request('snapshot.delete', ['id:1', '--pattern', 'auto-*', '--moxxie-only=false', '--dry-run', 'true'])).toEqual({ vmSelectors: 'id:1', namePattern: 'auto-*', moxxieOnly: false, dryRun: true });
  });

  it('merges the command line over --file, refusing a field the two give differently', () => {
    const body = { vmSelectors: [{ type: 'VM_IDS', value: '8200' }], operation: 'STOP', timeoutSeconds: 60 };
    expect(request('power', ['--timeout', '60', '--yes'], body)).toEqual({ ...body });
    expect(request('power', ['stop', '--dry-run'], body)).toEqual({ ...body, dryRun: true });
    expect(() => request('power', ['start'], body)).toThrow(/operation is given twice and they disagree: "STOP" in --file, "START" from the word 'start'/);
    // Unknown fields in the body are left to the core's strict schema, which names them.
    expect(request('power', [], { ...body, dry_run: true })).toMatchObject({ dry_run: true });
  });

  it('refuses unknown flags naming the nearest, bad values for typed flags, and stray words', () => {
    const refused = (kind: keyof typeof CAPABILITIES, argv: string[], why: RegExp) => {
      expect(() => request(kind, argv)).toThrow(UsageError);
      expect(() => request(kind, argv)).toThrow(why);
    };
    refused('snapshot.create', ['id:1', '--name', 'x', '--dry_run'], /unknown option '--dry_run'; did you mean '--dry-run'\?/);
    refused('snapshot.create', ['id:1', '--name', 'x', '--ttl-hour', '2'], /unknown option '--ttl-hour'; did you mean '--ttl-hours'\?/);
    refused('snapshot.create', ['id:1', '-n', 'x'], /unknown option '-n'/);
    refused('snapshot.create', ['id:1', '--name', 'x', '--ttl', 'soon'], /--ttl takes a number, got 'soon'/);
    refused('snapshot.create', ['id:1', '--name', 'x', '--snapshot-name', 'y'], /snapshotName is given twice \(--name and --snapshot-name\)/);
    refused('snapshot.create', ['id:1', '--name'], /--name needs a value/);
    refused('power', ['id:1'], /operation: 'id:1' is not valid/);
    refused('power', [], /say what to do first/);
    refused('power', ['stop'], /a SELECTOR is needed/);
    refused('power', ['stop', 'id:1', 'id:2'], /unexpected argument 'id:2'/);
    refused('power', ['stop', 'id:1', '--force=perhaps'], /--force takes true or false, got 'perhaps'/);
  });
});

// Writes dist/sim-schema/: PVE's API schemas without their documentation, what the simulator reads when it
// exists (src/sim/schema/schema-compact.ts says why and what is kept). Run by `npm run build` after tsc.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compactApidoc } from '../dist/src/sim/schema/schema-compact.js';
import { COMPACT_SCHEMA_DIR, SCHEMA_FILES, schemaLines } from '../dist/src/sim/schema/routes.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, COMPACT_SCHEMA_DIR);
mkdirSync(outDir, { recursive: true });
for (const file of Object.values(SCHEMA_FILES)) {
  const tree = JSON.parse(readFileSync(join(root, 'src/sim/schema', file), 'utf8'));
  writeFileSync(join(outDir, file), schemaLines(compactApidoc(tree)));
}

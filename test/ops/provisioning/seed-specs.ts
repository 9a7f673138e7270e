// The seed's cluster bodies for run tests: verbatim, except the seed's "ssh-ed25519 AAAAC3... user@example"
// placeholder (which PVE refuses, and so does the plan) replaced by a real public key.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGLmQqfp8X5DUVxLruBsCmJ7m4mDGcr5V7e2BXMkNPDp user@example.com';
export const specPath = (file: string): string => join(import.meta.dirname, file);
export const seedSpecText = (file: string): string => readFileSync(specPath(file), 'utf8').replace(/ssh-ed25519 AAAAC3\.\.\. [a-z@.]+/g, KEY);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const seedSpec = (file: string): Record<string, any> => JSON.parse(seedSpecText(file)) as Record<string, any>;

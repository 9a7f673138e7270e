// A job (or a patch) as JSON from a file or stdin, for `moxxie jobs create/update`. Only the outer shape
// is checked here; the core's checkJob validates the values and names the field that is wrong.
import { readFile } from 'node:fs/promises';
import { JOB_FIELDS, OUTPUT_ONLY_FIELDS, refuseUnknownJobFields, type JobInput, type JobPatch } from '../src/schedule/job-validation.js';

/** A bad file or bad JSON: the caller's input, not a failure of moxxie. */
export class JobInputError extends Error {}

export const STDIN = '-';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function readSource(source: string, stdin: NodeJS.ReadableStream): Promise<string> {
  if (source === STDIN) return readAll(stdin);
  try {
    return await readFile(source, 'utf8');
  } catch (err) {
    throw new JobInputError(`--file: cannot read '${source}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Parses and shape-checks; `what` names the source in messages ("job.json", "stdin"). */
function parseObject(raw: string, what: string): Record<string, unknown> {
  // Editors on Windows save UTF-8 with a byte-order mark; it is not part of the JSON.
  const text = raw.replace(/^\uFEFF/, '');
  if (!text.trim()) throw new JobInputError(`${what} is empty; give a JSON object such as {"name":"nightly","taskType":"snapshot_create",…}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new JobInputError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new JobInputError(`${what} must hold one JSON object (a job), not ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  refuseUnknownJobFields(value);
  return Object.fromEntries(Object.entries(value).filter(([k]) => !(OUTPUT_ONLY_FIELDS as readonly string[]).includes(k)));
}

export async function readJobInput(source: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<JobInput> {
  return parseObject(await readSource(source, stdin), source === STDIN ? 'stdin' : source) as unknown as JobInput;
}

export async function readJobPatch(source: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<JobPatch> {
  const patch = parseObject(await readSource(source, stdin), source === STDIN ? 'stdin' : source);
  if (!Object.keys(patch).length) throw new JobInputError(`nothing to change: the patch names no field; give any of ${JOB_FIELDS.join(', ')}`);
  return patch as JobPatch;
}

// `:retention POLICY [tag:A,B] [id:8200,8201] [storage:ID]`: the words of the retention preview command,
// read into the core's retention query (the seed's field names). The core checks the values.
import type { RetentionPreview, RetentionQuery } from '../src/ops/retention/candidates.js';

/** The retention view's state: the query it shows, and the preview once loaded. */
export interface RetentionViewState {
  query: RetentionQuery;
  preview: RetentionPreview | null;
  error?: string;
}

// Fits the help's usage column (46 characters).
export const RETENTION_USAGE = ':retention POLICY [tag:T] [id:N] [storage:S]';

export function parseRetentionArgs(rest: string): RetentionQuery | { error: string } {
  const words = rest.split(/\s+/).filter(Boolean);
  if (!words.length) return { error: `:retention needs a policy, e.g. :retention count:3 tag:env-dev (days:N, count:N, monthly:N or keep-daily=7,keep-weekly=4)` };
  const [policy, ...terms] = words;
  const query: RetentionQuery = { retentionPolicy: policy };
  for (const term of terms) {
    const colon = term.indexOf(':');
    const key = term.slice(0, colon).toLowerCase();
    const value = term.slice(colon + 1);
    const list = value.split(',').filter(Boolean);
    if (colon < 0 || !list.length) return { error: `'${term}' is not a filter; use tag:A,B id:8200,8201 or storage:ID` };
    if (key === 'tag' || key === 'tags') query.tags = [...(query.tags ?? []), ...list];
    else if (key === 'id' || key === 'ids') {
      const ids = list.map(Number);
      if (ids.some((n) => !Number.isInteger(n))) return { error: `id:${value}: VM ids are whole numbers, e.g. id:8200,8201` };
      query.vmIds = [...(query.vmIds ?? []), ...ids];
    } else if (key === 'storage') query.storage = value;
    else return { error: `'${key}:' is not a filter; use tag:, id: or storage:` };
  }
  return query;
}

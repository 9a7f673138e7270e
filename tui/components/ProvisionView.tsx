// `:provision`: before a run, the plan of a cluster spec as the CLI prints it (placement table hosts x groups,
// one row per VM, the order, what would stop it); P provisions it after the usual confirmation. Once it runs
// (or `:provision OPERATION-ID` opened one), the operation's progress in the seed's shape: status, overall
// progress bar, what it is doing, the placement (hosts x groups) and one row per VM with its phase; c cancels,
// r resumes and R rolls back an interrupted or failed one.
import { ProgressBar } from '@inkjs/ui';
import { Box, Text } from 'ink';
import { provisioningProgress } from '../../src/ops/provisioning/progress.js';
import { listRows, screenLayout } from '../layout.js';
import { followedOperation, progressLines, type ProgressLine } from '../provision-plan.js';
import { useTui, type TuiStore } from '../store.js';
import { ScrollList } from './ScrollList.js';

const COLOUR: Record<NonNullable<ProgressLine['tone']>, string | undefined> = { ok: 'green', error: 'red', warn: 'yellow', dim: 'gray', bold: undefined };
const STATUS_COLOUR: Record<string, string> = { COMPLETED: 'green', ROLLED_BACK: 'yellow', CANCELLED: 'yellow', FAILED: 'red', ROLLING_BACK: 'yellow' };
/** The status line and the progress bar above the list. */
const PROGRESS_ROWS = 2;

export function ProvisionView({ store }: { store: TuiStore }) {
  const view = useTui(store, (s) => s.provision);
  const op = useTui(store, (s) => followedOperation(s));
  const pos = useTui(store, (s) => s.pos.provision);
  const height = useTui(store, (s) => listRows('provision', screenLayout(s).bodyRows));
  const columns = useTui(store, (s) => s.size.columns);

  if (op) {
    const p = provisioningProgress(op);
    const lines = progressLines(p).map((l, i) => ({ ...l, i }));
    const next = p.status === 'PROVISIONING' || p.status === 'PENDING' ? 'c cancels' : p.status === 'FAILED' || p.status === 'CANCELLED' ? 'r resumes · R rolls back' : p.status === 'COMPLETED' ? 'R rolls back (deletes the VMs)' : '';
    return (
      <Box flexDirection="column">
        <Text wrap="truncate">
          <Text bold>Provisioning {p.clusterName}</Text> ({p.operationId}) · <Text color={STATUS_COLOUR[p.status]}>{p.status}</Text> · {p.successfulNodes}/{p.totalNodes} ready
          {p.failedNodes ? <Text color="red">, {p.failedNodes} failed</Text> : null} · {p.currentOperation}
        </Text>
        <Box width={Math.max(20, columns - 2)}>
          <Box flexGrow={1}>
            <ProgressBar value={p.progressPercentage} />
          </Box>
          <Text> {String(p.progressPercentage).padStart(3)}%</Text>
        </Box>
        <ScrollList
          header={`${p.totalNodes} VM${p.totalNodes === 1 ? '' : 's'} · started ${p.startedAt.replace('T', ' ').slice(0, 19)}${p.finishedAt ? ` · ended ${p.finishedAt.replace('T', ' ').slice(0, 19)}` : ''}`}
          items={lines}
          pos={pos}
          height={Math.max(2, height - PROGRESS_ROWS)}
          keyOf={(l) => l.i}
          empty="no VMs in this operation"
          info={[next, 'Esc goes back'].filter(Boolean).join(' · ')}
          render={(l) => (
            <Text color={l.tone ? COLOUR[l.tone] : undefined} bold={l.tone === 'bold'}>
              {l.text || ' '}
            </Text>
          )}
        />
      </Box>
    );
  }

  const lines = (view?.lines ?? []).map((text, i) => ({ i, text }));
  const problemsAt = lines.findIndex((l) => l.text.startsWith('The plan cannot run'));
  return (
    <ScrollList
      header={view ? `Plan of ${view.cluster} from ${view.path} · ${view.ok ? 'can run' : 'cannot run'} · nothing is created yet` : 'Cluster plan'}
      items={lines}
      pos={pos}
      height={height}
      keyOf={(l) => l.i}
      empty="no plan: type :provision FILE (a cluster spec, YAML or JSON) or :provision OPERATION-ID"
      info={view?.ok && view.spec ? 'P provisions this plan (confirm first) · Esc goes back' : 'Esc goes back'}
      render={(l) => <Text color={problemsAt >= 0 && l.i >= problemsAt ? 'red' : l.text.startsWith('warning:') ? 'yellow' : undefined}>{l.text}</Text>}
    />
  );
}

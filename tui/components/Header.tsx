// Two lines: where you are (context, cluster, nodes, VM counts, read-only) and which view is open.
import { Box, Text } from 'ink';
import { countByStatus } from '../../src/inventory/summary.js';
import { clock } from '../format.js';
import { MAIN_VIEWS, useTui, type TuiStore } from '../store.js';

function host(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

const SUB_VIEW: Record<string, string> = { detail: 'VM detail', runs: 'job runs', operation: 'operation', tasklog: 'task log', help: 'help' };

export function Header({ store }: { store: TuiStore }) {
  const context = useTui(store, (s) => s.context);
  const inventory = useTui(store, (s) => s.inventory);
  const view = useTui(store, (s) => s.view);
  const refreshedAt = useTui(store, (s) => s.refreshedAt);
  const refreshError = useTui(store, (s) => s.refreshError);
  const detailVm = useTui(store, (s) => s.detail?.vmid);
  const nodes = inventory?.nodes ?? [];
  const online = nodes.filter((n) => n.status === 'online').length;
  const vms = inventory?.vms ?? [];
  const counts = countByStatus(vms);
  return (
    <Box flexDirection="column" flexShrink={0} height={2}>
      <Box height={1}>
        <Box flexGrow={1} flexShrink={1}>
        <Text wrap="truncate">
          <Text bold color="cyan">
            moxxie
          </Text>{' '}
          <Text color="gray">ctx</Text> <Text bold>{context.name}</Text>
          {context.demo ? <Text color="yellow"> (demo)</Text> : null} <Text color="gray">nodes</Text> <Text color={online < nodes.length ? 'red' : 'green'}>{online}/{nodes.length}</Text> <Text color="gray">VMs</Text> {vms.length}
          {': '}
          <Text color="green">{counts.running} running</Text>
          {' · '}
          {counts.stopped} stopped
          {counts.paused + counts.suspended ? <Text color="yellow"> · {counts.paused + counts.suspended} paused</Text> : null}
          {counts.unknown ? <Text color="red"> · {counts.unknown} unknown</Text> : null} <Text color="gray">cluster</Text> {host(context.url)}
        </Text>
        </Box>
        <Box flexShrink={0}>
        <Text>
          {context.safeMode ? <Text color="gray"> safe mode </Text> : null}
          {context.readOnly ? (
            <Text backgroundColor="red" color="white" bold>
              {' READ-ONLY '}
            </Text>
          ) : null}
        </Text>
        </Box>
      </Box>
      <Box height={1}>
        <Box flexGrow={1} flexShrink={1}>
        <Text wrap="truncate">
          {MAIN_VIEWS.map((v) => (
            <Text key={v} inverse={v === view} color={v === view ? 'cyan' : 'gray'}>
              {` ${v} `}
            </Text>
          ))}
          {SUB_VIEW[view] ? <Text color="magenta"> › {view === 'detail' && detailVm !== undefined ? `VM ${detailVm}` : SUB_VIEW[view]}</Text> : null}
        </Text>
        </Box>
        <Box flexShrink={1}>
        <Text wrap="truncate" color={refreshError ? 'red' : 'gray'}>
          {refreshError ? `refresh failed (:ctx ${context.name} reconnects): ${refreshError}` : refreshedAt ? `updated ${clock(refreshedAt).slice(11)}` : 'loading…'}
        </Text>
        </Box>
      </Box>
    </Box>
  );
}

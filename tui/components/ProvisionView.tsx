// `:provision FILE`: the plan of a cluster spec, as the CLI prints it (placement table hosts x groups, one
// row per VM, the order, and what would stop it). j/k scroll; nothing is created.
import { Text } from 'ink';
import { listRows, screenLayout } from '../layout.js';
import { useTui, type TuiStore } from '../store.js';
import { ScrollList } from './ScrollList.js';

export function ProvisionView({ store }: { store: TuiStore }) {
  const view = useTui(store, (s) => s.provision);
  const pos = useTui(store, (s) => s.pos.provision);
  const height = useTui(store, (s) => listRows('provision', screenLayout(s).bodyRows));
  const lines = (view?.lines ?? []).map((text, i) => ({ i, text }));
  const problemsAt = lines.findIndex((l) => l.text.startsWith('The plan cannot run'));
  return (
    <ScrollList
      header={view ? `Plan of ${view.cluster} from ${view.path} · ${view.ok ? 'can run' : 'cannot run'} · nothing is created` : 'Cluster plan'}
      items={lines}
      pos={pos}
      height={height}
      keyOf={(l) => l.i}
      empty="no plan: type :provision FILE (a cluster spec, YAML or JSON)"
      info="Esc goes back"
      render={(l) => <Text color={problemsAt >= 0 && l.i >= problemsAt ? 'red' : l.text.startsWith('warning:') ? 'yellow' : undefined}>{l.text}</Text>}
    />
  );
}

// The `:provision FILE` view's data: a cluster spec file (YAML or the seed's JSON) planned against the
// session's cluster, as the lines of the plan report (placement table hosts x groups, then one row per VM).
// Nothing is created; the provisioning run itself comes with the VM lifecycle phases.
import { readFile } from 'node:fs/promises';
import type { MoxxieCore } from '../src/core.js';
import { parseClusterSpecText } from '../src/ops/provisioning/cluster-spec.js';
import { placementSettingsOf } from '../src/config/placement-settings.js';
import { planReport } from '../src/ops/provisioning/plan-report.js';

export interface ProvisionPlanView {
  path: string;
  cluster: string;
  ok: boolean;
  lines: string[];
}

/** Throws with a message naming the file or the spec's field when it cannot be read or is not valid. */
export async function loadProvisionPlan(core: MoxxieCore, path: string): Promise<ProvisionPlanView> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error((err as NodeJS.ErrnoException).code === 'ENOENT' ? `no file ${path}` : `cannot read ${path}: ${(err as Error).message}`);
  }
  const spec = parseClusterSpecText(text, path);
  const plan = await core.planCluster(spec, core.context.demo ? {} : placementSettingsOf(core.context.name));
  return { path, cluster: plan.cluster, ok: plan.ok, lines: planReport(plan).split('\n') };
}

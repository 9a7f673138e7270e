// The context's settings for provisioning's planner, read from the config file: `provisioning` (zones,
// cpuOvercommit) and `defaults.vmidRange`. The planner (src/ops/provisioning) takes them as plain data.
import type { PlacementConfig } from '../ops/provisioning/placement.js';
import { loadConfig } from './contexts.js';
import { configFile, type Env } from './paths.js';

/** The context's placement settings from the config file: `provisioning` (zones, cpuOvercommit) and defaults.vmidRange ({} when absent). */
export function placementSettingsOf(contextName: string, opts: { env?: Env; configPath?: string } = {}): Pick<PlacementConfig, 'zones' | 'cpuOvercommit' | 'vmidRange'> {
  const entry = loadConfig(opts.configPath ?? configFile(opts.env ?? process.env)).contexts[contextName];
  return {
    ...(entry?.provisioning?.zones ? { zones: entry.provisioning.zones } : {}),
    ...(entry?.provisioning?.cpuOvercommit ? { cpuOvercommit: entry.provisioning.cpuOvercommit } : {}),
    ...(entry?.defaults?.vmidRange ? { vmidRange: entry.defaults.vmidRange } : {}),
  };
}

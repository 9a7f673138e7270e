// Every REST route, in the order the OpenAPI document lists them. A capability that lands later adds its
// table here.
import type { RestRoute } from '../route-table.js';
import { operationRoutes } from './operations.js';
import { powerTagRoutes } from './power-tags.js';
import { schedulerRoutes } from './scheduler.js';
import { snapshotRoutes } from './snapshots.js';
import { vmRoutes } from './vms.js';
import { backupRoutes } from './backups.js';
import { lifecycleRoutes } from './lifecycle.js';
import { migrationRoutes } from './migration.js';
import { containerRoutes } from './containers.js';
import { provisioningRoutes } from './provisioning.js';

export const REST_ROUTES: readonly RestRoute[] = [...vmRoutes, ...snapshotRoutes, ...powerTagRoutes, ...schedulerRoutes, ...operationRoutes, ...lifecycleRoutes, ...backupRoutes, ...migrationRoutes, ...containerRoutes, ...provisioningRoutes];

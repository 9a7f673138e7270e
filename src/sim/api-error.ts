// An error the simulated API answers with: HTTP status, PVE's message, and per-parameter errors for 400s.
export class SimApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string>,
  ) {
    super(message);
  }
}

/** A failure inside a worker task: it becomes the task's exitstatus, not an HTTP error (as in PVE). */
export class SimTaskError extends Error {}

export const paramError = (errors: Record<string, string>): SimApiError => new SimApiError(400, 'Parameter verification failed.', errors);
export const configMissing = (node: string, vmid: number | string, dir: 'qemu-server' | 'lxc' = 'qemu-server'): SimApiError =>
  new SimApiError(500, `Configuration file 'nodes/${node}/${dir}/${vmid}.conf' does not exist`);

/**
 * PVE's answer to a path or method it has no handler for (pve-manager PVE/HTTPServer.pm, rest_handler;
 * SEMANTICS §1.2): HTTP 501 with this exact status line. A protocol answer clients rely on, not a gap
 * in the simulator.
 */
export const unknownMethod = (method: string, path: string): SimApiError => new SimApiError(501, `Method '${method} ${path}' not implemented`);

// /access/ticket (login, renewal) and /access/permissions.
import type { SimAuth } from '../auth.js';
import type { HandlerTable } from './context.js';

// The administrator holds every privilege of the profile's release (PVE 9: VM.GuestAgent.*, no VM.Monitor).
const AUDIT_PRIVS = ['VM.Audit', 'Datastore.Audit', 'Sys.Audit'];

export function accessHandlers(): HandlerTable {
  return {
    'GET /access/domains': () => [
      { realm: 'pam', type: 'pam', comment: 'Linux PAM standard authentication' },
      { realm: 'pve', type: 'pve', comment: 'Proxmox VE authentication server', default: 1 },
    ],
    'GET /access/permissions': ({ sim, auth: who }) => {
      const privs = Object.fromEntries((who.admin ? sim.profile.privileges : AUDIT_PRIVS).map((p) => [p, 1]));
      return { '/': privs, '/vms': privs, '/storage': privs, '/nodes': privs };
    },
  };
}

/** POST /access/ticket is unauthenticated; the server calls it directly. */
export function ticketLogin(auth: SimAuth, params: Record<string, unknown>): unknown {
  const username = String(params.username ?? '');
  const password = String(params.password ?? '');
  const realm = params.realm === undefined ? undefined : String(params.realm);
  const res = auth.login(username, password, realm);
  const vmsCap = res.admin ? { 'VM.PowerMgmt': 1, 'VM.Audit': 1, 'VM.Snapshot': 1, 'VM.Config.Options': 1 } : { 'VM.Audit': 1 };
  return {
    username: res.userid,
    ticket: res.ticket,
    CSRFPreventionToken: res.csrf,
    clustername: 'moxxie-sim',
    // No simulated user has TFA configured, so a one-shot `otp` is ignored, as PVE does.
    cap: { vms: vmsCap, storage: { 'Datastore.Audit': 1 }, nodes: { 'Sys.Audit': 1 }, access: {}, dc: { 'Sys.Audit': 1 }, sdn: {}, mapping: {} },
  };
}

// Snapshot name templates: {vm} {vmid} {date} {time} {datetime}, made valid for PVE (a letter first,
// [A-Za-z0-9_-], at most 40 characters). Collisions and truncated placeholders are refused up front.
import { RequestError } from './errors.js';

export const MAX_SNAPSHOT_NAME = 40;
const PLACEHOLDER_RE = /\{(vm|vmid|date|time|datetime)\}/g;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export interface NameClock {
  date: string;
  time: string;
  datetime: string;
}

/** One clock reading per operation, so every VM gets the same stamp. Local time, as operators read it. */
export function nameClock(at: Date = new Date()): NameClock {
  const date = `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}`;
  const time = `${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
  return { date, time, datetime: `${date}-${time}` };
}

function sanitise(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '-');
}

export function validateTemplate(template: unknown, field = 'snapshotName'): string {
  if (typeof template !== 'string' || !template.trim()) throw new RequestError(field, 'required: a name or template such as "maint-{vm}-{date}"');
  const unknown = /\{([^}]*)\}/g;
  for (const m of template.matchAll(unknown)) {
    if (!['vm', 'vmid', 'date', 'time', 'datetime'].includes(m[1])) throw new RequestError(field, `unknown placeholder {${m[1]}}; valid: {vm} {vmid} {date} {time} {datetime}`);
  }
  return template;
}

/** Renders for one VM; throws when PVE's 40-character limit would cut into a placeholder's value. */
export function renderSnapshotName(template: string, vm: { vmid: number; name: string }, clock: NameClock, field = 'snapshotName'): string {
  let out = '';
  let lastPlaceholderEnd = 0;
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER_RE)) {
    out += sanitise(template.slice(last, m.index));
    const key = m[1] as 'vm' | 'vmid' | 'date' | 'time' | 'datetime';
    const value = key === 'vm' ? vm.name || `vm${vm.vmid}` : key === 'vmid' ? String(vm.vmid) : clock[key];
    out += sanitise(value);
    lastPlaceholderEnd = out.length;
    last = (m.index ?? 0) + m[0].length;
  }
  out += sanitise(template.slice(last));
  if (!/^[A-Za-z]/.test(out)) {
    out = `s${out}`;
    lastPlaceholderEnd += lastPlaceholderEnd ? 1 : 0;
  }
  if (out.length > MAX_SNAPSHOT_NAME) {
    if (lastPlaceholderEnd > MAX_SNAPSHOT_NAME) {
      throw new RequestError(field, `"${template}" gives "${out}" (${out.length} characters) for VM ${vm.vmid}; PVE allows ${MAX_SNAPSHOT_NAME}, so a placeholder would be cut off — shorten the template or use {vmid} instead of {vm}`);
    }
    out = out.slice(0, MAX_SNAPSHOT_NAME).replace(/[-_]+$/, '');
  }
  if (out.length < 2) throw new RequestError(field, `"${template}" gives "${out}" for VM ${vm.vmid}; PVE needs at least 2 characters`);
  return out;
}

/** Renders for every target; refuses a per-VM template that would give two VMs the same name. */
export function renderAll(template: string, vms: Array<{ vmid: number; name: string }>, clock: NameClock, field = 'snapshotName'): Map<number, string> {
  const names = new Map<number, string>();
  const seen = new Map<string, number>();
  for (const vm of vms) {
    const name = renderSnapshotName(template, vm, clock, field);
    const other = seen.get(name);
    // Snapshot names are per VM in PVE, so "backup-{date}" on many VMs is fine. A template that names
    // VMs ({vm}/{vmid}) but collapses two of them to one name (sanitising, truncation) is a mistake.
    if (other !== undefined && /\{(vm|vmid)\}/.test(template)) {
      throw new RequestError(field, `"${template}" gives the same name "${name}" for VMs ${other} and ${vm.vmid}; add {vmid} to tell them apart`);
    }
    seen.set(name, vm.vmid);
    names.set(vm.vmid, name);
  }
  return names;
}

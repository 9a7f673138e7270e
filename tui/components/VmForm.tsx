// The guided form for making VMs: create (POST /vms) or clone a template, one question at a time with
// @inkjs/ui inputs (Select for template, node — with its free memory and CPU — and yes/no; TextInput for the
// rest). Its answer is a request for the core; the plan is shown before anything runs (the plan dialog), and
// the operation pane shows the phases live while it runs.
import { PasswordInput, Select, TextInput } from '@inkjs/ui';
import { Box, Text, useInput } from 'ink';
import { useState } from 'react';
import type { Inventory } from '../../src/inventory/model.js';
import { screenLayout } from '../layout.js';
import { useTui, type TuiStore, type VmFormKind } from '../store.js';

const GiB = 1024 ** 3;

interface Step {
  key: string;
  label: string;
  hint: string;
  /** Choices (a Select); otherwise free text (a TextInput) with this default. */
  options?: Array<{ label: string; value: string }>;
  value: string;
  /** Typed unseen (a PasswordInput) and never shown back. */
  secret?: boolean;
}

function nodeOptions(inv: Inventory | null): Array<{ label: string; value: string }> {
  return (inv?.nodes ?? [])
    .filter((n) => n.status === 'online')
    .map((n) => ({ label: `${n.node}  free ${Math.round((n.maxmem - n.mem) / GiB)} GiB memory, ${Math.max(0, Math.round(n.maxcpu * (1 - n.cpu)))} of ${n.maxcpu} CPUs`, value: n.node }));
}

/** :ct — a container from a template (ct.create). */
function containerSteps(inv: Inventory | null, ostemplates: string[]): Step[] {
  const yesNo = [{ label: 'no', value: 'no' }, { label: 'yes', value: 'yes' }];
  return [
    { key: 'node', label: 'node', hint: 'where the container is made', options: nodeOptions(inv), value: '' },
    { key: 'ostemplate', label: 'template', hint: 'the OS template (vztmpl)', options: ostemplates.map((t) => ({ label: t, value: t })), value: ostemplates[0] ?? '' },
    { key: 'hostname', label: 'hostname', hint: 'a DNS name; {index} with a count > 1', value: 'ct-{index}' },
    { key: 'count', label: 'how many', hint: '1-50', value: '1' },
    { key: 'cores', label: 'cores', hint: 'CPU cores', value: '1' },
    { key: 'memoryMB', label: 'memory MiB', hint: 'memory in MiB', value: '512' },
    { key: 'disk', label: 'root disk GiB', hint: "on the node's first storage for containers", value: '8' },
    { key: 'bridge', label: 'network bridge', hint: 'eth0 on this bridge, e.g. vmbr0; empty: no NIC', value: 'vmbr0' },
    { key: 'ip', label: 'ip', hint: 'dhcp or 10.0.0.5/24', value: 'dhcp' },
    { key: 'gw', label: 'gateway', hint: 'with a static ip; empty: none', value: '' },
    { key: 'unprivileged', label: 'unprivileged', hint: 'run as an unprivileged user (recommended)', options: [{ label: 'yes', value: 'yes' }, { label: 'no', value: 'no' }], value: 'yes' },
    { key: 'nesting', label: 'nesting', hint: 'nested containers (newer systemd wants it)', options: yesNo, value: 'yes' },
    { key: 'password', label: 'root password', hint: 'at least 5 characters; empty: none (never recorded)', value: '', secret: true },
    { key: 'start', label: 'start it', hint: 'start once made', options: yesNo, value: 'no' },
  ];
}

/** The ct.create request the container form's answers make. */
function containerRequest(values: Record<string, string>): Record<string, unknown> {
  const num = (k: string) => (values[k] ? Number(values[k]) : undefined);
  const count = num('count');
  const hostname = count && count > 1 ? values.hostname : values.hostname.split('{index}').join('1');
  return {
    node: values.node,
    hostname,
    ostemplate: values.ostemplate,
    ...(count && count > 1 ? { count } : {}),
    ...(num('cores') !== undefined ? { cores: num('cores') } : {}),
    ...(num('memoryMB') !== undefined ? { memoryMB: num('memoryMB') } : {}),
    ...(num('disk') !== undefined ? { rootfs: { sizeGB: num('disk') } } : {}),
    ...(values.bridge ? { networks: [{ bridge: values.bridge, ...(values.ip ? { ip: values.ip } : {}), ...(values.gw ? { gw: values.gw } : {}) }] } : {}),
    unprivileged: values.unprivileged !== 'no',
    ...(values.nesting === 'yes' ? { features: { nesting: true } } : {}),
    ...(values.password ? { password: values.password } : {}),
    ...(values.start === 'yes' ? { start: true } : {}),
  };
}

export function formSteps(kind: VmFormKind, inv: Inventory | null, template?: number, ostemplates: string[] = []): Step[] {
  if (kind === 'container') return containerSteps(inv, ostemplates);
  const yesNo = [{ label: 'no', value: 'no' }, { label: 'yes', value: 'yes' }];
  const templates = (inv?.vms ?? []).filter((v) => v.template && v.type === 'qemu').map((v) => ({ label: `${v.vmid} ${v.name} (${v.node})`, value: String(v.vmid) }));
  const head: Step[] =
    kind === 'clone'
      ? [{ key: 'template', label: 'template', hint: 'the template to clone', options: templates, value: String(template ?? templates[0]?.value ?? '') }]
      : [];
  return [
    ...head,
    { key: 'node', label: 'node', hint: kind === 'clone' ? "where the clone goes (another node needs the template's disks on shared storage)" : 'where the VM is made', options: nodeOptions(inv), value: '' },
    { key: 'name', label: 'name', hint: 'a DNS name; {index} with a count > 1', value: kind === 'clone' ? 'clone-{index}' : 'vm-{index}' },
    { key: 'count', label: 'how many', hint: '1-50', value: '1' },
    { key: 'cores', label: 'cores', hint: kind === 'clone' ? "empty: the template's" : 'CPU cores', value: kind === 'clone' ? '' : '2' },
    { key: 'memoryMB', label: 'memory MiB', hint: kind === 'clone' ? "empty: the template's" : 'memory in MiB', value: kind === 'clone' ? '' : '2048' },
    { key: 'disk', label: kind === 'clone' ? 'grow disk to GiB' : 'disk GiB', hint: kind === 'clone' ? "empty: the template's size" : "one SCSI disk on the node's VM storage", value: kind === 'clone' ? '' : '20' },
    ...(kind === 'create' ? [{ key: 'bridge', label: 'network bridge', hint: 'e.g. vmbr0, workshop; empty: no NIC', value: 'vmbr0' }] : []),
    ...(kind === 'clone'
      ? [
          { key: 'cloudInitUser', label: 'cloud-init user', hint: "empty: the template's", value: '' },
          { key: 'ipConfig', label: 'ip config', hint: 'ip=dhcp or ip=10.0.0.5/24,gw=10.0.0.1; empty: the template\'s', value: '' },
        ]
      : []),
    { key: 'start', label: 'start it', hint: 'start once made', options: yesNo, value: 'no' },
  ];
}

/** The request the answers make (checked by the core's strict schema, like every front end's). */
export function formRequest(kind: VmFormKind, values: Record<string, string>): Record<string, unknown> {
  if (kind === 'container') return containerRequest(values);
  const num = (k: string) => (values[k] ? Number(values[k]) : undefined);
  const count = num('count');
  const common = {
    name: values.name,
    ...(count && count > 1 ? { count } : {}),
    ...(num('cores') !== undefined ? { cores: num('cores') } : {}),
    ...(num('memoryMB') !== undefined ? { memoryMB: num('memoryMB') } : {}),
    ...(values.start === 'yes' ? { start: true } : {}),
  };
  const name = count && count > 1 ? values.name : values.name.split('{index}').join('1');
  if (kind === 'clone') {
    return {
      sourceVmId: Number(values.template),
      ...common,
      name,
      ...(values.node ? { targetNode: values.node } : {}),
      ...(num('disk') !== undefined ? { diskSizeGB: num('disk') } : {}),
      ...(values.cloudInitUser ? { cloudInitUser: values.cloudInitUser } : {}),
      ...(values.ipConfig ? { ipConfig: values.ipConfig } : {}),
    };
  }
  return { ...common, name, node: values.node, ...(num('disk') !== undefined ? { diskGB: num('disk') } : {}), ...(values.bridge ? { network: { bridge: values.bridge } } : {}) };
}

export function VmForm({ store, onDone, onCancel }: { store: TuiStore; onDone: (kind: VmFormKind, request: Record<string, unknown>) => void; onCancel: () => void }) {
  const form = useTui(store, (s) => s.form);
  const inventory = useTui(store, (s) => s.inventory);
  const [steps] = useState(() => (form ? formSteps(form.kind, inventory, form.template, form.ostemplates) : []));
  const [index, setIndex] = useState(0);
  const [values, setValues] = useState<Record<string, string>>({});
  const bodyRows = useTui(store, (s) => screenLayout(s).bodyRows);
  const columns = useTui(store, (s) => s.size.columns);
  useInput((_input, key) => {
    if (key.escape) onCancel();
  });
  if (!form || !steps.length) return null;
  const step = steps[index];
  const title = `${form.kind === 'clone' ? 'Clone a template' : form.kind === 'container' ? 'Create a container' : 'Create a VM'} — step ${index + 1} of ${steps.length} (Enter: next, Esc: cancel; the plan is shown before anything runs)`;
  // At 80×24 (less with a progress pane) 14 answered steps do not fit above the question: the newest that
  // do are shown, so the question and its input are never pushed off the bottom.
  const inputRows = step.options ? Math.min(6, step.options.length) : 1;
  const room = Math.max(0, bodyRows - Math.ceil(title.length / Math.max(20, columns - 2)) - 1 - inputRows);
  const answered = steps.slice(0, index);
  const shown = answered.length > room ? answered.slice(answered.length - Math.max(0, room - 1)) : answered;
  const answer = (value: string) => {
    const next = { ...values, [step.key]: value };
    setValues(next);
    if (index + 1 < steps.length) setIndex(index + 1);
    else onDone(form.kind, formRequest(form.kind, next));
  };
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text bold>{title}</Text>
      {shown.length < answered.length && room > 0 ? <Text color="gray">… {answered.length - shown.length} answered above</Text> : null}
      {shown.map((s) => (
        <Text key={s.key} color="gray">
          {s.label}: {s.secret ? (values[s.key] ? '(set)' : '(none)') : values[s.key] || '(default)'}
        </Text>
      ))}
      <Text>
        {step.label} <Text color="gray">— {step.hint}</Text>
      </Text>
      {step.options ? (
        // The default goes first and is focused: Enter picks it (a Select reports only a change of value).
        <Select key={step.key} options={[...step.options.filter((o) => o.value === step.value), ...step.options.filter((o) => o.value !== step.value)]} onChange={answer} visibleOptionCount={6} />
      ) : step.secret ? (
        <PasswordInput key={step.key} onSubmit={answer} />
      ) : (
        <TextInput key={step.key} defaultValue={step.value} onSubmit={answer} />
      )}
    </Box>
  );
}

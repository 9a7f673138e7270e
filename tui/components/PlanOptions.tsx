// The plan's options (o in a plan dialog): the request's optional fields from the capability's schema, each
// with its value; Enter edits one with an @inkjs/ui input (yes/no and enums: a Select; numbers and text:
// a TextInput), and the plan is made again with it. Esc goes back to the plan.
import { Select, TextInput } from '@inkjs/ui';
import { Box, Text, useInput } from 'ink';
import { useState } from 'react';
import { optionFieldsOf, optionValue, shownValue, type OptionField } from '../request-options.js';
import { useTui, type TuiStore } from '../store.js';

export interface PlanOptionsProps {
  store: TuiStore;
  onSet: (field: string, value: unknown) => void;
  onClose: () => void;
}

const DEFAULT = '(default)';

function rangeOf(f: OptionField): string {
  if (f.type !== 'number') return '';
  return f.min !== undefined && f.max !== undefined ? ` ${f.min}-${f.max}` : '';
}

export function PlanOptions({ store, onSet, onClose }: PlanOptionsProps) {
  const options = useTui(store, (s) => s.confirm?.options);
  const title = useTui(store, (s) => s.confirm?.title);
  const [editing, setEditing] = useState<OptionField | null>(null);
  useInput((_input, key) => {
    if (!key.escape) return;
    if (editing) setEditing(null);
    else onClose();
  });
  if (!options) return null;
  const fields = optionFieldsOf(options.kind);
  const current = (f: OptionField) => options.request[f.field];
  if (editing) {
    const value = current(editing);
    const choices = editing.type === 'boolean' ? ['yes', 'no'] : editing.type === 'enum' ? [...(editing.values ?? [])] : undefined;
    const set = (text: string) => onSet(editing.field, text === DEFAULT ? undefined : optionValue(editing, text));
    return (
      <Box flexDirection="column" paddingX={1}>
        <Text bold wrap="truncate">
          Option {editing.field} of {title}
        </Text>
        <Text color="gray" wrap="wrap">
          {editing.description ?? ''}
          {rangeOf(editing)}
        </Text>
        {choices ? (
          // The current value first and focused: Enter keeps it.
          <Select
            key={`edit-${editing.field}`}
            options={[shownValue(value), ...[...choices, DEFAULT].filter((c) => c !== shownValue(value))].map((c) => ({ label: c, value: c }))}
            onChange={set}
            visibleOptionCount={6}
          />
        ) : (
          <TextInput key={`edit-${editing.field}`} defaultValue={value === undefined ? '' : String(value)} placeholder="empty: the default" onSubmit={set} />
        )}
        <Text color="gray">Enter: set it and plan again · Esc: back to the options</Text>
      </Box>
    );
  }
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text bold wrap="truncate">
        Options of {title}
      </Text>
      <Text color="gray">Enter edits one and plans again · Esc: back to the plan</Text>
      <Select
        key="fields"
        options={fields.map((f) => ({ label: `${f.field.padEnd(24)} ${shownValue(current(f)).padEnd(12)} ${f.description ?? ''}`, value: f.field }))}
        onChange={(field) => setEditing(fields.find((f) => f.field === field) ?? null)}
        visibleOptionCount={Math.max(3, Math.min(fields.length, 12))}
      />
    </Box>
  );
}

// The action forms read their fields from the capabilities' schemas: choices of a yes/no or an enum,
// ranges in the hints, each answer checked by its field's schema and named by its label.
import { describe, expect, it } from 'vitest';
import { BACKUP_MODES } from '../../src/ops/capabilities/backup-create.js';
import { ACTION_FORMS } from '../../tui/action-forms.js';
import { formFields, readAnswers, requestOf, type FormEnv } from '../../tui/request-form.js';
import { initialState } from '../../tui/store.js';

const env: FormEnv = { state: initialState({ name: 't', url: 'https://x', readOnly: false, safeMode: false, demo: false }), ids: [8200, 8201], who: '2 VMs' };

describe('action forms', () => {
  it('take choices and ranges from the schema', () => {
    const { fields, values } = formFields(ACTION_FORMS.backup, env);
    expect(fields.find((f) => f.key === 'mode')?.choices).toEqual([...BACKUP_MODES]);
    expect(fields.find((f) => f.key === 'protectBackup')?.choices).toEqual(['no', 'yes']);
    expect(fields.find((f) => f.key === 'notes')?.choices).toBeUndefined();
    expect(values).toEqual(['local', 'snapshot', 'zstd', '{{guestname}}', '', 'no']);
    const vmSet = formFields(ACTION_FORMS['vm-set'], env).fields;
    expect(vmSet.map((f) => f.label)).toEqual(['cores', 'memory MiB']);
  });

  it('type the answers by the schema and leave a choice at its default out of the request', () => {
    const read = readAnswers(ACTION_FORMS.backup, env, ['local', 'stop', 'zstd', '{{guestname}}', '7', 'yes']);
    expect(read).toEqual({ answers: { storage: 'local', mode: 'stop', notes: '{{guestname}}', ttlDays: 7, protectBackup: true } });
    if (!('answers' in read)) throw new Error('unreachable');
    expect(requestOf(ACTION_FORMS.backup, env, read.answers)).toEqual({ vmSelectors: [{ type: 'VM_IDS', value: '8200,8201' }], storage: 'local', mode: 'stop', notes: '{{guestname}}', ttlDays: 7, protectBackup: true });
  });

  it('name a wrong answer by its label and say which field it is', () => {
    expect(readAnswers(ACTION_FORMS.backup, env, ['local', 'snapshot', 'zstd', '', '0', 'no'])).toEqual({ index: 4, text: 'TTL days: must be an integer from 1 to 3653 (got 0)' });
    expect(readAnswers(ACTION_FORMS.snapshot, env, ['', '24'])).toMatchObject({ index: 0, text: expect.stringMatching(/^snapshot name: required/) });
    expect(readAnswers(ACTION_FORMS['vm-set'], env, ['two', ''])).toEqual({ index: 0, text: 'cores: must be an integer from 1 to 512 (got "two")' });
    expect(readAnswers(ACTION_FORMS['tags-add'], env, ['ok bad!tag'])).toMatchObject({ index: 0, text: expect.stringMatching(/^tags to add: 'bad!tag' is not a valid PVE tag/) });
  });

  it('map a form-only field to the request: a glob is a pattern, a checksum URL a list', () => {
    const del = readAnswers(ACTION_FORMS['snapshot-delete'], env, ['tui-*']);
    if (!('answers' in del)) throw new Error(del.text);
    expect(requestOf(ACTION_FORMS['snapshot-delete'], env, del.answers)).toMatchObject({ namePattern: 'tui-*' });
    const dl = readAnswers(ACTION_FORMS.download, env, ['util-iso', 'https://x.example/a.iso', '', 'https://x.example/SHA256SUMS']);
    if (!('answers' in dl)) throw new Error(dl.text);
    expect(requestOf(ACTION_FORMS.download, env, dl.answers)).toEqual({ storage: 'util-iso', url: 'https://x.example/a.iso', checksumUrl: 'https://x.example/SHA256SUMS' });
  });
});

/**
 * Forms speak the administrator's words (issue 17): labels, not API field names; required fields
 * marked and refused before anything is sent; a new password typed twice, a mismatch refused inline
 * with nothing sent and nothing changed.
 */
import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';
import { render } from 'ink-testing-library';
import { Form } from '../../../src/tui/components/Form.js';
import { addRepeatFields, buildInput, checkFields, fieldLabel, fieldsOf, nameToWords } from '../../../src/tui/schema-fields.js';
import { makeTheme } from '../../../src/tui/theme.js';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../../helpers/app.js';

const theme = makeTheme({ NO_COLOR: '1' });
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const tick = () => new Promise((r) => setTimeout(r, 20));
async function waitFrame(r: { lastFrame: () => string | undefined }, what: string | RegExp): Promise<string> {
  for (let i = 0; i < 250; i++) {
    const f = r.lastFrame() ?? '';
    if (typeof what === 'string' ? f.includes(what) : what.test(f)) return f;
    await tick();
  }
  throw new Error(`frame never showed ${String(what)}:\n${r.lastFrame()}`);
}
async function write(r: { stdin: { write: (s: string) => void } }, s: string): Promise<void> {
  r.stdin.write(s);
  await tick();
  await tick();
}

test('labels come from the one rule: label meta, a short description, else the name in words', () => {
  expect(nameToWords('guestOk')).toBe('Guest OK');
  expect(nameToWords('timeoutMs')).toBe('Timeout (ms)');
  expect(nameToWords('retention_days')).toBe('Retention (days)');
  expect(nameToWords('targetIqn')).toBe('Target IQN');
  expect(fieldLabel('guestOk', { description: 'Clients may connect without a password, as the guest account' })).toBe('Guest OK');
  expect(fieldLabel('username', { description: 'SMTP login' })).toBe('SMTP login');
  expect(fieldLabel('x', { label: 'Share name', description: 'SMTP login' })).toBe('Share name');
});

test('no form of any operation shows a raw API field name as a label', () => {
  const raw: string[] = [];
  for (const op of t.app.registry.all()) {
    for (const f of fieldsOf(op)) {
      // camelCase or snake_case as typed in the API, e.g. guestOk, timeoutMs, read_only.
      if (/[a-z][A-Z]/.test(f.label) || /_/.test(f.label) || (f.label === f.path && /^[a-z]/.test(f.label) && f.label.length > 2))
        raw.push(`${op.name}:${f.path} -> ${f.label}`);
    }
  }
  expect(raw).toEqual([]);
});

test('required fields are marked and refused before anything is sent', async () => {
  const op = t.app.registry.get('iam.users.create')!;
  const submit = jest.fn(async () => ({}));
  const r = render(<Form title="New user" op={op} width={70} height={20} theme={theme} submit={submit} onDone={() => undefined} onCancel={() => undefined} />);
  let frame = await waitFrame(r, 'New user');
  expect(frame).toContain('* required');
  expect(frame).toMatch(/Login name\*/);
  expect(frame).not.toMatch(/^\S*\s*username\*/m);
  await write(r, '\r');
  frame = await waitFrame(r, 'Required:');
  expect(frame).toMatch(/Required: .*Login name/);
  expect(submit).not.toHaveBeenCalled();
  r.unmount();
  const before = await t.testDb.db('users').count({ n: '*' }).first();
  expect(Number((before as { n: number }).n)).toBe(1);
  // The pure check says the same.
  const fields = addRepeatFields(fieldsOf(op), op);
  expect(Object.values(checkFields(fields, {}))).toContain('required');
});

test('the password change asks for the new password twice; a mismatch is refused inline and nothing is sent', async () => {
  const op = t.app.registry.get('auth.me.password')!;
  const fields = addRepeatFields(fieldsOf(op), op);
  expect(fields.map((f) => f.path)).toEqual(['currentPassword', 'newPassword', 'newPassword#repeat']);
  // The second entry is never part of the input.
  expect(buildInput(fields, { currentPassword: 'a', newPassword: 'b-long-password', 'newPassword#repeat': 'b-long-password' })).toEqual({
    currentPassword: 'a',
    newPassword: 'b-long-password',
  });

  const submit = jest.fn(async (input: Record<string, unknown>) => input);
  const done = jest.fn();
  const r = render(
    <Form
      title="Change my password"
      op={op}
      submitLabel="Change"
      width={70}
      height={20}
      theme={theme}
      submit={submit}
      onDone={done}
      onCancel={() => undefined}
    />,
  );
  let frame = await waitFrame(r, 'Change my password');
  expect(frame).toContain('Repeat new password');
  expect(frame).not.toContain('newPassword ');
  await write(r, ADMIN_PASSWORD);
  await write(r, '\t');
  await write(r, 'a-brand-new-password');
  await write(r, '\t');
  await write(r, 'a-brand-new-passwort');
  await write(r, '\r');
  frame = await waitFrame(r, 'does not match');
  expect(frame).toContain('the two entries differ');
  expect(submit).not.toHaveBeenCalled();
  expect(done).not.toHaveBeenCalled();
  // Nothing changed: the old password still logs in, and no audit row for a password change.
  await t.login('admin', ADMIN_PASSWORD);
  const audited = await t.testDb.db('audit_log').where('operation', 'auth.me.password').count({ n: '*' }).first();
  expect(Number((audited as { n: number }).n)).toBe(0);

  // The same password twice is sent, without the second entry.
  for (let i = 0; i < 20; i++) await write(r, '\x7f');
  await write(r, 'a-brand-new-password');
  await write(r, '\r');
  for (let i = 0; i < 100 && !submit.mock.calls.length; i++) await tick();
  expect(submit).toHaveBeenCalledTimes(1);
  expect(submit.mock.calls[0][0]).toEqual({ currentPassword: ADMIN_PASSWORD, newPassword: 'a-brand-new-password' });
  r.unmount();
});

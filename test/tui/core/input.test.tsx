/**
 * Input that never misroutes a key (issue 17): bursts in one read land in the right fields in
 * order, Backspaces all count, control characters never reach a value, the first key after login
 * acts, the focused pane is marked without colour, `/` starts a new filter, logging out leaves at
 * once, the palette finds by name first and refreshes what it changed, and a failed login's audit
 * row never shows a password typed as the user name.
 */
import { afterEach, expect, jest, test } from '@jest/globals';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../../helpers/console.js';
import { editLine, splitKeys } from '../../../src/tui/keys.js';
import type { Invoker } from '../../../src/services/core/invoke.js';
import { paletteScore, type PaletteEntry } from '../../../src/tui/components/Overlays.js';

let c: ConsoleTest | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

const auditRows = async (t: ConsoleTest) =>
  (await t.testDb.db('audit_log').where({ operation: 'auth.login' }).orderBy('id')) as {
    target: string | null;
    result: string;
    input: string | null;
    actor_name: string;
  }[];
/** The divider between the menu and the working area, first body row (menu is 20 wide at 100 columns). */
const divider = (frame: string) => frame.split('\n')[1]?.[20];
const noKey = { backspace: false, delete: false, return: false, ctrl: false, meta: false };

test('splitKeys and editLine: one key per character, CR LF is one Enter, escape sequences whole, controls dropped', () => {
  expect(splitKeys('admin\tpw\r')).toEqual(['a', 'd', 'm', 'i', 'n', '\t', 'p', 'w', '\r']);
  expect(splitKeys('ab\r\ncd\n')).toEqual(['a', 'b', '\r', 'c', 'd', '\r']);
  expect(splitKeys('\x1b[A')).toEqual(['\x1b[A']);
  // A fast Esc is not a Meta prefix: the console binds no Alt key.
  expect(splitKeys('\x1b\x1b[B')).toEqual(['\x1b', '\x1b[B']);
  expect(splitKeys('\x1bk')).toEqual(['\x1b', 'k']);
  expect(splitKeys('\x1b')).toEqual(['\x1b']);
  expect(splitKeys('\x7f'.repeat(20))).toHaveLength(20);
  expect(splitKeys('😀x')).toEqual(['😀', 'x']);
  expect(editLine('abc', 'x\x07\x1b\u202e\x85y', noKey)).toEqual({ value: 'abcxy', submit: false });
  expect(editLine('abc😀', '\x7f\x7f', noKey)).toEqual({ value: 'ab', submit: false });
  expect(editLine('abc', 'de\rfg', noKey)).toEqual({ value: 'abcde', submit: true });
});

test('a password manager burst (user, Tab, password, Enter in one read) logs in; no failed login is audited', async () => {
  c = await startConsoleTest();
  await c.waitFor('Username');
  await c.type(`admin\t${ADMIN_PASSWORD}\r`);
  await c.waitFor('admin (Admin)');
  const rows = await auditRows(c);
  expect(rows.filter((r) => r.result !== 'ok')).toEqual([]);
  expect(JSON.stringify(rows)).not.toContain(ADMIN_PASSWORD);
});

test('20 Backspaces in one read remove 20 characters; control characters never reach the field nor move the border', async () => {
  c = await startConsoleTest();
  await c.waitFor('Username');
  const border = (f: string) =>
    f
      .split('\n')
      .filter((l) => l.includes('│'))
      .map((l) => l.lastIndexOf('│'));
  const before = border(c.frame());
  await c.type('abcdefghijklmnopqrstuvwxy'); // 25
  await c.waitFor('abcdefghijklmnopqrstuvwxy');
  await c.type('\x7f'.repeat(20));
  await c.waitFor((f) => /Username\s+abcde\s/.test(f));
  await c.type('\b\b');
  await c.waitFor((f) => /Username\s+abc\s/.test(f));
  await c.type('x\x07\x01\x7f\x7fz\u202e\x9b'); // BEL, ^A dropped; two DEL remove x and c
  await c.waitFor((f) => /Username\s+abz\s/.test(f));
  const f = c.frame();
  // eslint-disable-next-line no-control-regex -- control characters are what the frame may not hold
  expect(f).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e\x9b␇␁␡]/);
  expect(border(f)).toEqual(before);
  // Typed into the password field and sent: the service receives exactly what the field shows.
  await c.type('\t');
  await c.waitFor(/▶ Password/);
  await c.type('a\x7fb\x01c\r');
  await c.waitFor('invalid username or password');
  const rows = await auditRows(c);
  expect(rows.at(-1)?.target).toBe('abz');
});

test('the first key after login moves the menu; the focused pane is marked without colour (NO_COLOR)', async () => {
  c = await startConsoleTest({ env: { NO_COLOR: '1' } });
  await c.loginAs('admin', ADMIN_PASSWORD);
  expect(divider(c.frame())).toBe('▶');
  await c.press('j');
  await c.waitFor(/▶Storage|Storage.*\n.*Pools/);
  await c.press('j');
  await c.waitFor((f) => f.includes('Snapshots & Repl') && divider(f) === '◀');
  await c.press('enter');
  await c.waitFor((f) => divider(f) === '▶');
  await c.press('escape');
  await c.waitFor((f) => divider(f) === '◀');
});

test('`/` starts a new filter instead of appending; Esc clears it', async () => {
  c = await startConsoleTest();
  await c.loginAs('admin', ADMIN_PASSWORD);
  await c.app.call(
    'iam.users.create',
    { username: 'alice', password: 'alice-password-123' },
    { actor: await c.app.auth.authenticate(c.adminToken), face: 'api' },
  );
  await c.type(':users\r');
  await c.waitFor('USERNAME');
  await c.waitFor('alice');
  await c.type('/adm\r');
  await c.waitFor((f) => f.includes('admin') && !f.includes('alice'));
  await c.type('/ali\r');
  await c.waitFor((f) => f.includes('alice') && !/\badmin\s/.test(f.split('\n').slice(3).join('\n')));
  await c.press('escape');
  await c.waitFor((f) => f.includes('alice') && f.split('\n').slice(3).join('\n').includes('admin '));
  await c.type('/zzz');
  await c.waitFor('No rows match "zzz"');
  await c.press('escape');
  await c.waitFor((f) => f.includes('alice') && !f.includes('No rows match'));
});

test('keys typed while a table loads are kept: `2jjj` in one read lands on the fourth dataset, `1` then `2G` on the last', async () => {
  c = await startConsoleTest();
  await c.loginAs('admin', ADMIN_PASSWORD);
  await c.type(':storage\r');
  await c.waitFor(/▶tank\s/);
  // The datasets tab has no rows until its list is answered: the three moves wait for them.
  await c.type('2jjj');
  await c.waitFor(/▶\s*shares\s/);
  expect(c.frame()).toContain('tank/shares');
  await c.type('1');
  await c.waitFor(/POOL\s+HEALTH\s+SIZE/);
  await c.type('2G');
  await c.waitFor(/▶\s*vms\s/);
  expect(c.frame()).toContain('tank/vms');
});

test('the logout key and the palette entry leave the screens at once', async () => {
  c = await startConsoleTest();
  await c.loginAs('admin', ADMIN_PASSWORD);
  await c.type(':users\r');
  await c.waitFor('USERNAME');
  await c.press('\x0f'); // Ctrl-O
  // The very next frame is the login screen: nothing waits for the service.
  expect(c.frame()).toContain('Username');
  expect(c.frame()).not.toContain('USERNAME');
  await c.waitFor('Logged out.');
  await c.loginAs('admin', ADMIN_PASSWORD);
  await c.type(':log out');
  await c.waitFor((f) => f.includes(':log out') && f.includes('Log out'));
  await c.press('enter');
  expect(c.frame()).toContain('Username');
  expect(c.frame()).not.toContain('admin (Admin)');
  // Both console sessions were ended at the service too.
  const deadline = Date.now() + 10_000;
  let open: unknown[];
  do {
    open = await c.testDb.db('sessions').where({ face: 'console' }).whereNull('revoked_at');
    if (open.length) await new Promise((r) => setTimeout(r, 20));
  } while (open.length && Date.now() < deadline);
  expect(open).toEqual([]);
});

test('a change made from the palette shows on the screen without r; the palette ranks names first and speaks in words', async () => {
  c = await startConsoleTest();
  await c.loginAs('admin', ADMIN_PASSWORD);
  await c.type(':storage\r');
  await c.waitFor(/tank\s+ONLINE/);
  await c.press('2');
  await c.waitFor('Create dataset');
  await c.type(':create a dataset');
  const pal = await c.waitFor((f) => f.includes(':create a dataset') && f.includes('storage.datasets.create'));
  expect(pal).toMatch(/Create a dataset\s+storage\.datasets\.create/);
  await c.press('enter');
  await c.waitFor(/Name\*\s+tank\//);
  await c.type('from-palette\r');
  // No r, no storage event for a dataset, no timer: the console re-reads after its own change.
  await c.waitFor((f) => f.includes('tank/from-palette') && !f.includes('Name*'));

  const entries: PaletteEntry[] = c.app.registry
    .all()
    .map((op) => ({ label: op.summary, detail: op.name, kind: op.mutating ? 'operation' : 'read', run: () => undefined }));
  const best = (q: string) =>
    entries
      .map((e) => ({ e, s: paletteScore(e, q) }))
      .filter((x) => x.s !== null)
      .sort((a, b) => a.s! - b.s!)[0]?.e.detail;
  expect(best('replace')).toMatch(/replace$/);
  expect(best('replace')).toMatch(/^storage\./);
});

test("a late progress event never brings back a finished job's status line", async () => {
  c = await startConsoleTest();
  await c.loginAs('admin', ADMIN_PASSWORD);
  const job = { id: 4242, type: 'test', description: 'Creating pool backup', state: 'running', progress: 10, owner: 'admin' };
  c.app.events.publish({ type: 'job', job } as never);
  await c.waitFor('Creating pool backup');
  c.app.events.publish({ type: 'job', job: { ...job, state: 'succeeded', progress: 100 } } as never);
  c.app.events.publish({ type: 'job', job: { ...job, progress: 90 } } as never);
  await c.waitFor((f) => f.includes('done: Creating pool backup'));
  await c.press('?');
  await c.press('escape');
  expect(c.frame()).not.toMatch(/#4242 Creating pool backup/);
});

test('a failed login never audits a name that cannot be a user name; a valid unknown name is recorded', async () => {
  c = await startConsoleTest();
  const anon = { actor: null, face: 'api' as const, address: '192.0.2.7' };
  for (const username of ['Hunter2!Secret', 'admin correct horse', 'x'.repeat(60)]) {
    await expect(c.app.call('auth.login', { username, password: 'whatever' }, anon)).rejects.toThrow();
  }
  await expect(c.app.call('auth.login', { username: 'nobody', password: 'whatever' }, anon)).rejects.toThrow('invalid username or password');
  await expect(c.app.call('auth.login', { username: 'y'.repeat(80), password: 'whatever' }, anon)).rejects.toThrow();
  await (c.app.call as unknown as Invoker).anonymousAudit.flush();
  const rows = (await auditRows(c)).filter((r) => r.actor_name === 'anonymous' && r.result !== 'ok');
  const targets = rows.map((r) => r.target);
  expect(targets).toContain('nobody');
  const text = JSON.stringify(rows);
  for (const secret of ['Hunter2', 'correct horse', 'xxxxxxxxxx', 'yyyyyyyyyy']) expect(text).not.toContain(secret);
  expect(targets.filter((t) => /^invalid user name #[0-9a-f]{8}$/.test(String(t)))).toHaveLength(4);
  // The same wrong text gives the same tag, so repeated attempts can still be told apart.
  await expect(c.app.call('auth.login', { username: 'Hunter2!Secret', password: 'whatever' }, anon)).rejects.toThrow();
  await (c.app.call as unknown as Invoker).anonymousAudit.flush();
  const again = (await auditRows(c)).at(-1)?.target;
  expect(again).toBe(targets[0]);
});

test('a paste of 150 characters and 147 Backspaces, each in one read, all count, and React never warns of update depth', async () => {
  const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    c = await startConsoleTest();
    await c.waitFor('Username');
    await c.type('x'.repeat(150));
    await c.type('\x7f'.repeat(147));
    await c.type('yz');
    await c.waitFor((f) => /Username\s+xxxyz\s/.test(f));
    expect(errors.mock.calls.map((call) => String(call[0]))).toEqual([]);
  } finally {
    errors.mockRestore();
  }
});

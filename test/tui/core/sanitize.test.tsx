/**
 * Terminal injection: text stored by one user (a display name, a group description, an audit
 * target, an alert title) is drawn by every console. A stored `ESC ] 0 ; ... BEL` must be shown,
 * never obeyed: no frame may hold an ESC, a BEL or a C1 control that the console did not put
 * there itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import React from 'react';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { render } from 'ink-testing-library';
import { Text } from '../../../src/tui/components/Text.js';
import { Table, useTable, type Column } from '../../../src/tui/components/Table.js';
import { safeText, safeLines } from '../../../src/tui/safe-text.js';
import { makeTheme } from '../../../src/tui/theme.js';
import { ADMIN_PASSWORD, startConsoleTest, type ConsoleTest } from '../../helpers/console.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';

const OSC_TITLE = '\x1b]0;pwned\x07';
const HOSTILE = `${OSC_TITLE}Mallory\x1b[2J\x9b31m\u202eevil`;
/** Any C0 control but newline, DEL, any C1 control: what a frame may never hold. */
// eslint-disable-next-line no-control-regex -- control characters are what a frame may not hold
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

/** Ink's own colouring (SGR) is the only escape sequence a frame may hold. */
// eslint-disable-next-line no-control-regex -- matches the ESC of Ink's own colour codes
const withoutOwnStyling = (frame: string) => frame.replace(/\x1b\[[0-9;]*m/g, '');

describe('safeText', () => {
  test('shows each control as one visible character, so widths do not change', () => {
    expect(safeText(OSC_TITLE)).toBe('␛]0;pwned␇');
    expect(safeText('a\x9bb\u202ec')).toBe('a\ufffdb\ufffdc');
    expect(safeText('one\ntwo\tthree\r')).toBe('one␤two three␍');
    expect(safeText('one\ntwo', { keepNewlines: true })).toBe('one\ntwo');
    expect(safeText(HOSTILE)).toHaveLength(HOSTILE.length);
    expect(safeText(HOSTILE)).not.toMatch(RAW_CONTROL);
    expect(safeText('plain text, ünïcödé')).toBe('plain text, ünïcödé');
    expect(safeLines('a\tb\n\x1b[31mred')).toEqual(['a       b', '␛[31mred']);
  });

  test('the Text component cleans every child string, nested ones too', () => {
    const r = render(
      <Text wrap="truncate">
        {HOSTILE}
        <Text bold>{['x', OSC_TITLE]}</Text>
        {7}
      </Text>,
    );
    const f = withoutOwnStyling(r.lastFrame() ?? '');
    expect(f).not.toMatch(RAW_CONTROL);
    expect(f).toContain('␛]0;pwned␇Mallory␛[2J');
    r.unmount();
  });

  test('a table cell is cleaned before it is measured: columns stay aligned', () => {
    interface Row {
      id: string;
      name: string;
    }
    const rows: Row[] = [
      { id: '1', name: HOSTILE },
      { id: '2', name: 'plain' },
    ];
    const columns: Column<Row>[] = [
      { key: 'name', title: 'NAME', width: 20, render: (r) => r.name },
      { key: 'id', title: 'ID', width: 3, render: (r) => r.id },
    ];
    function Harness(): React.ReactElement {
      const table = useTable(rows, columns, (r) => r.id);
      return <Table table={table} columns={columns} width={40} height={5} theme={makeTheme({ NO_COLOR: '1' })} focused={false} />;
    }
    const r = render(<Harness />);
    const lines = withoutOwnStyling(r.lastFrame() ?? '').split('\n');
    expect(lines.join('\n')).not.toMatch(RAW_CONTROL);
    const hostileLine = lines.find((l) => l.includes('Mallory'))!;
    const plainLine = lines.find((l) => l.includes('plain'))!;
    expect(hostileLine.indexOf('1')).toBe(plainLine.indexOf('2'));
    r.unmount();
  });

  test("no console module draws with Ink's own Text", () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (/\.tsx?$/.test(entry.name) && !file.endsWith(path.join('components', 'Text.tsx'))) {
          const text = fs.readFileSync(file, 'utf8');
          const fromInk = [...text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'ink'/g)].flatMap((m) => m[1].split(',').map((s) => s.trim()));
          if (fromInk.some((n) => /^(type\s+)?(Text|Transform|Static)\b/.test(n) && !n.startsWith('type '))) offenders.push(file);
        }
      }
    };
    walk(path.join(process.cwd(), 'src', 'tui'));
    expect(offenders).toEqual([]);
  });
});

describe('the console with hostile stored text', () => {
  let c: ConsoleTest;
  const frames: string[] = [];
  const snap = (f: string) => {
    frames.push(f);
    return f;
  };

  beforeAll(async () => {
    c = await startConsoleTest();
    // Stored behind the API's back, as an older version or another tool might have: the console
    // must be safe whatever the database holds.
    const db = c.testDb.db;
    await db('users').where({ username: 'admin' }).update({ display_name: HOSTILE });
    await db('groups').insert({ name: 'ops', description: HOSTILE, created_at: new Date().toISOString() });
    await db('audit_log').insert({
      at: new Date().toISOString(),
      actor_id: null,
      actor_name: `x${OSC_TITLE}`,
      face: 'api',
      address: '127.0.0.1',
      request_id: null,
      operation: 'hostile.op',
      target: `\x1b[2Jtgt`,
      input: '{}',
      result: 'error',
      error: HOSTILE,
    });
    const now = Date.now();
    await db('alerts').insert({
      dedupe_key: 'hostile',
      rule_id: null,
      source: 'monitoring',
      severity: 'critical',
      state: 'open',
      title: `Alert ${OSC_TITLE}Evil`,
      message: HOSTILE,
      labels: JSON.stringify({ pool: `\x1b]0;lbl\x07` }),
      value: null,
      silenced: false,
      opened_at: now,
      updated_at: now,
    });
    await c.loginAs('admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await c?.close();
  });

  const go = async (screen: string, ready: string | RegExp | ((f: string) => boolean)) => {
    await c.press(':');
    await c.waitFor('Go to a screen');
    await c.type(screen);
    await c.press('enter');
    return snap(await c.waitFor(ready));
  };

  test('users, groups, audit and alerts show the escapes, and the frames hold none', async () => {
    const users = await go('users', (f) => f.includes('USERNAME') && f.includes('Mallory'));
    expect(withoutOwnStyling(users)).toContain('␛]0;pwned␇Mallory');
    await c.press('2');
    snap(await c.waitFor((f) => f.includes('DESCRIPTION') && f.includes('ops')));
    await go('audit', (f) => f.includes('hostile.op'));
    await c.press('/');
    await c.type('hostile');
    await c.press('enter');
    await c.waitFor((f) => f.includes('hostile.op') && !f.includes('auth.login'));
    await c.press('enter');
    snap(await c.waitFor('Mallory'));
    await c.press('escape');
    await go('monitoring', (f) => f.includes('Evil'));
    await c.press('/');
    await c.type('Evil');
    await c.press('enter');
    await c.waitFor((f) => f.includes('Evil') && f.includes('x Dismiss'));
    await c.press('enter');
    snap(await c.waitFor((f) => f.includes('Mallory')));
    await c.press('escape');
    for (const f of frames) {
      expect(withoutOwnStyling(f)).not.toMatch(RAW_CONTROL);
    }
    expect(frames.join('\n')).toContain('␛]0;pwned␇');
  });
});

describe('the API refuses control characters where a field is a name', () => {
  let t: TestApp;
  const bearer = () => ({ Authorization: `Bearer ${t.adminToken}` });
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  test('a display name with an OSC sequence: 400, nothing stored', async () => {
    const before = await t.testDb.db('users').where({ username: 'admin' }).first();
    for (const bad of [HOSTILE, 'a\x07b', 'a\x9bb', 'right\u202eleft', 'two\nlines']) {
      const res = await t.http.patch('/api/v1/users/admin').set(bearer()).send({ displayName: bad });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(JSON.stringify(res.body.errors)).toContain('displayName');
    }
    const created = await t.http.post('/api/v1/users').set(bearer()).send({ username: 'eve', password: 'eve-long-password', displayName: HOSTILE });
    expect(created.status).toBe(400);
    expect(await t.testDb.db('users').where({ username: 'eve' }).first()).toBeUndefined();
    const after = await t.testDb.db('users').where({ username: 'admin' }).first();
    expect(after.display_name).toBe(before.display_name);
    expect(after.updated_at).toBe(before.updated_at);
    // Ordinary text, accents and all, is still fine.
    expect((await t.http.patch('/api/v1/users/admin').set(bearer()).send({ displayName: 'Zoë Müller-Łukasiewicz' })).status).toBe(200);
  });

  test('group and role descriptions, alert rule and channel names: 400, nothing stored', async () => {
    const db = t.testDb.db;
    const group = await t.http.post('/api/v1/groups').set(bearer()).send({ name: 'ops', description: HOSTILE });
    expect(group.status).toBe(400);
    expect(JSON.stringify(group.body.errors)).toContain('description');
    expect(await db('groups').where({ name: 'ops' }).first()).toBeUndefined();
    const role = await t.http
      .post('/api/v1/roles')
      .set(bearer())
      .send({ name: 'Auditor', description: OSC_TITLE, permissions: ['audit.read'] });
    expect(role.status).toBe(400);
    expect(JSON.stringify(role.body.errors)).toContain('description');
    expect(await db('roles').where({ name: 'Auditor' }).first()).toBeUndefined();
    const rules = Number((await db('alert_rules').count({ n: '*' }))[0].n);
    const rule = await t.http
      .post('/api/v1/alerts/rules')
      .set(bearer())
      .send({ name: `Disk ${OSC_TITLE}`, metric: 'calypso_pool_capacity_percent', operator: '>', threshold: 90 });
    expect(rule.status).toBe(400);
    expect(Number((await db('alert_rules').count({ n: '*' }))[0].n)).toBe(rules);
    const channel = await t.http
      .post('/api/v1/alerts/channels')
      .set(bearer())
      .send({ name: `hook\x1b[2J`, webhook: { url: 'http://127.0.0.1:9/hook' } });
    expect(channel.status).toBe(400);
    expect(
      await db('notification_channels')
        .count({ n: '*' })
        .then((r) => Number(r[0].n)),
    ).toBe(0);
  });
});

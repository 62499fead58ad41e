/**
 * Credentials in URLs: a webhook `http://user:secret@host/hook?token=...` is shown to every
 * reader with the secrets hidden, and kept out of audit rows; the stored URL keeps them, so the
 * channel still delivers (as Basic authentication), also after an edit that does not resend the
 * URL or resends it as it was shown.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { redact, redactUrl, redactUrls, redactUrlsDeep } from '../../../src/services/core/redact.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { webhookSink } from '../../helpers/monitoring.js';

describe('redactUrl', () => {
  test('hides userinfo passwords, bare tokens and credential-like query values, keeps the rest', () => {
    expect(redactUrl('http://user:secret@host/hook')).toBe('http://user:***@host/hook');
    expect(redactUrl('https://ghp_abc123@example.com/x')).toBe('https://***@example.com/x');
    expect(redactUrl('postgres://calypso:pg-pass@db:5432/calypso')).toBe('postgres://calypso:***@db:5432/calypso');
    expect(redactUrl('https://h/p?a=1&token=t0k&api_key=k3y&X-Amz-Signature=s1g&sig=z&password=p&name=bob#frag')).toBe(
      'https://h/p?a=1&token=***&api_key=***&X-Amz-Signature=***&sig=***&password=***&name=bob#frag',
    );
    expect(redactUrl('http://a:b@c@d/e')).toBe('http://a:***@d/e');
    expect(redactUrl('http://host:8080/plain?x=1')).toBe('http://host:8080/plain?x=1');
    expect(redactUrl('not a url')).toBe('not a url');
    expect(redactUrls('POST http://u:pw@h/x failed; see https://h/y?token=t')).toBe('POST http://u:***@h/x failed; see https://h/y?token=***');
  });

  test('redact() hides URL credentials in any string value; redactUrlsDeep (the log) in errors too', () => {
    expect(redact({ webhook: { url: 'http://u:pw@h/x' }, notes: ['ftp://me:mine@f/'], secret: 's' })).toEqual({
      webhook: { url: 'http://u:***@h/x' },
      notes: ['ftp://me:***@f/'],
      secret: '[redacted]',
    });
    const err = new Error('http://u:pw@h');
    const out = redactUrlsDeep({ msg: 'x', url: 'http://u:pw@h/', err });
    expect(out.url).toBe('http://u:***@h/');
    expect(out.err).not.toBe(err);
    expect((out.err as Error).message).toBe('http://u:***@h');
    expect((out.err as Error).stack).not.toContain('u:pw@');
    const plain = new Error('no url here');
    expect(redactUrlsDeep({ err: plain }).err).toBe(plain);
  });
});

describe('webhook channels with credentials in the URL', () => {
  let t: TestApp;
  let sink: Awaited<ReturnType<typeof webhookSink>>;
  let readerToken: string;
  let url: string;
  let id: number;
  const PASS = 'hook-pass-8d1f';
  const QTOKEN = 'qtok-77ab';
  const admin = () => ({ Authorization: `Bearer ${t.adminToken}` });
  const reader = () => ({ Authorization: `Bearer ${readerToken}` });
  const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  const storedUrl = async () => JSON.parse((await t.app.db('notification_channels').where({ id }).first()).config).url as string;
  const sendTest = async () => {
    const res = await t.http.post(`/api/v1/alerts/channels/${id}/test`).set(admin()).send({});
    expect(res.status).toBe(200);
    return res.body as { status: string; error: string | null };
  };

  beforeAll(async () => {
    t = await startTestApp({ monitoring: { probes: [], notifier: { attempts: 1, backoffMs: 1 } } });
    readerToken = await t.userWithRoles('reader', ['ReadOnly']);
    sink = await webhookSink();
    url = sink.url.replace('http://', `http://hookuser:${PASS}@`) + `?token=${QTOKEN}&team=ops`;
    const created = await t.http.post('/api/v1/alerts/channels').set(admin()).send({ name: 'basic-hook', webhook: { url } });
    expect(created.status).toBe(201);
    id = created.body.id;
    expect(created.body.webhook.url).toBe(redactUrl(url));
  });
  afterAll(async () => {
    await sink?.close();
    await t?.close();
  });

  test('ReadOnly and Admin see the URL with its secrets hidden; the audit row holds none', async () => {
    for (const who of [reader(), admin()]) {
      const list = await t.http.get('/api/v1/alerts/channels').set(who);
      expect(list.status).toBe(200);
      const text = JSON.stringify(list.body);
      expect(text).not.toContain(PASS);
      expect(text).not.toContain(QTOKEN);
      expect(list.body.items[0].webhook.url).toContain('hookuser:***@127.0.0.1');
      expect(list.body.items[0].webhook.url).toContain('token=***&team=ops');
    }
    const rows = await t.app.db('audit_log').where({ operation: 'alerts.channels.create' });
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(PASS);
    expect(JSON.stringify(rows)).not.toContain(QTOKEN);
    const audit = await t.http.get('/api/v1/audit').query({ operation: 'alerts.channels.create' }).set(admin());
    expect(JSON.stringify(audit.body)).not.toContain(PASS);
    // The stored URL is intact: the channel must still deliver.
    expect(await storedUrl()).toBe(url);
  });

  test('the channel delivers with the credentials as Basic authentication', async () => {
    expect(await sendTest()).toMatchObject({ status: 'sent', error: null });
    await sink.waitFor(1);
    expect(sink.hits[0].headers.authorization).toBe(basic('hookuser', PASS));
  });

  test('an edit that does not resend the URL, or resends it as shown, keeps the secret working', async () => {
    const renamed = await t.http.patch(`/api/v1/alerts/channels/${id}`).set(admin()).send({ name: 'basic-hook-2' });
    expect(renamed.status).toBe(200);
    expect(await storedUrl()).toBe(url);
    // What an edit form prefilled from the answer sends back.
    const shown = renamed.body.webhook.url as string;
    const resent = await t.http
      .patch(`/api/v1/alerts/channels/${id}`)
      .set(admin())
      .send({ webhook: { url: shown, timeoutMs: 3000 } });
    expect(resent.status).toBe(200);
    expect(await storedUrl()).toBe(url);
    expect(await sendTest()).toMatchObject({ status: 'sent' });
    await sink.waitFor(2);
    expect(sink.hits[1].headers.authorization).toBe(basic('hookuser', PASS));
    const audits = await t.app.db('audit_log').where({ operation: 'alerts.channels.update' });
    expect(audits).toHaveLength(2);
    expect(JSON.stringify(audits)).not.toContain(PASS);
  });

  test('a new URL with new credentials replaces the old one', async () => {
    const fresh = sink.url.replace('http://', 'http://other:new-pass-2@');
    const res = await t.http
      .patch(`/api/v1/alerts/channels/${id}`)
      .set(admin())
      .send({ webhook: { url: fresh } });
    expect(res.status).toBe(200);
    expect(res.body.webhook.url).toBe(sink.url.replace('http://', 'http://other:***@'));
    expect(await storedUrl()).toBe(fresh);
    await sendTest();
    await sink.waitFor(3);
    expect(sink.hits[2].headers.authorization).toBe(basic('other', 'new-pass-2'));
  });
});

/**
 * The HTTP client's two pure parts: where a contract's input goes in a request (path, query
 * string, body), and the event-stream reader, fed the stream in awkward pieces.
 */
import { describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import { defineContract } from '../../src/contracts/core.js';
import { ValidationError } from '../../src/contracts/errors.js';
import { scheduleContracts } from '../../src/contracts/schedules.js';
import { routeOf } from '../../src/client/route.js';
import { SseParser, type SseMessage } from '../../src/client/sse.js';

const S = scheduleContracts;
const listAlerts = defineContract({
  name: 'alerts.list',
  summary: 'x',
  permission: 'alerts.read',
  mutating: false,
  input: z.object({
    severity: z.union([z.string(), z.array(z.string())]).optional(),
    active: z.enum(['true', 'false']).optional(),
    labels: z.unknown().optional(),
  }),
  output: z.unknown(),
  http: { method: 'GET', path: '/alerts' },
});
const destroy = defineContract({
  name: 'storage.datasets.destroy',
  summary: 'x',
  permission: 'storage.destroy',
  mutating: true,
  input: z.object({ name: z.string(), recursive: z.boolean().optional() }),
  output: z.unknown(),
  http: { method: 'DELETE', path: '/storage/datasets/:name' },
});

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('routeOf', () => {
  test('GET: the query string as curl would write it; path parameters filled and taken out', () => {
    expect(routeOf(S['schedules.list'], { limit: 5, offset: 10, kind: 'pool.scrub' })).toEqual({
      method: 'GET',
      path: '/api/v1/schedules?limit=5&offset=10&kind=pool.scrub',
      body: undefined,
    });
    expect(routeOf(S['schedules.runs'], { id: 7, result: 'failed' }).path).toBe('/api/v1/schedules/7/runs?result=failed');
    expect(routeOf(S['schedules.list'], {}).path).toBe('/api/v1/schedules');
    expect(routeOf(listAlerts, { severity: ['warning', 'critical'], active: 'true' }).path).toBe(
      '/api/v1/alerts?severity=warning&severity=critical&active=true',
    );
    expect(routeOf(listAlerts, { severity: 'a b&c=d' }).path).toBe('/api/v1/alerts?severity=a+b%26c%3Dd');
  });

  test('other methods: a JSON body without the path parameters', () => {
    expect(routeOf(S['schedules.update'], { id: 3, cron: '0 1 * * *' })).toEqual({
      method: 'PATCH',
      path: '/api/v1/schedules/3',
      body: '{"cron":"0 1 * * *"}',
    });
    expect(routeOf(S['schedules.run'], { id: 3 })).toEqual({ method: 'POST', path: '/api/v1/schedules/3/run', body: '{}' });
    expect(routeOf(destroy, { name: 'tank/a b/../c', recursive: true })).toEqual({
      method: 'DELETE',
      path: '/api/v1/storage/datasets/tank%2Fa%20b%2F..%2Fc',
      body: '{"recursive":true}',
    });
    expect(routeOf(destroy, { name: '..' }).path).toBe('/api/v1/storage/datasets/%2E%2E');
    expect(routeOf(S['schedules.list'], {}, '/calypso/api/v1').path).toBe('/calypso/api/v1/schedules');
  });

  test('input no request can carry is refused before anything is sent', () => {
    expect(refusal(() => routeOf(S['schedules.get'], {} as never)).errors).toEqual([{ path: 'id', message: 'required (part of the path)' }]);
    expect(refusal(() => routeOf(destroy, { name: '' })).errors).toEqual([{ path: 'name', message: 'required (part of the path)' }]);
    expect(refusal(() => routeOf(destroy, { name: { x: 1 } } as never)).errors).toEqual([{ path: 'name', message: 'a string or number (part of the path)' }]);
    expect(refusal(() => routeOf(listAlerts, { labels: { a: 1 } })).errors).toEqual([{ path: 'labels', message: 'object cannot be sent in a query string' }]);
    expect(refusal(() => routeOf(listAlerts, { severity: [null] } as never)).errors).toEqual([
      { path: 'severity.0', message: 'null cannot be sent in a query string' },
    ]);
    expect(refusal(() => routeOf(S['schedules.list'], 'x' as never)).message).toMatch(/object/);
    const internal = defineContract({ name: 'x.internal', summary: 'x', permission: 'x', mutating: false, input: z.object({}), output: z.unknown() });
    expect(refusal(() => routeOf(internal, {})).message).toMatch(/no HTTP route/);
  });
});

describe('SseParser', () => {
  const STREAM =
    'retry: 5000\n: connected as admin\n\nid: e1-4\nevent: ready\ndata: {"types":["job"]}\n\n: heartbeat\n\nid: e1-5\nevent: job\ndata: {"job":{"id":1,"note":"é"}}\n\nevent: end\ndata: {"reason":"session ended"}\n\n';
  const EXPECTED: SseMessage[] = [
    { id: 'e1-4', event: 'ready', data: '{"types":["job"]}' },
    { id: 'e1-5', event: 'job', data: '{"job":{"id":1,"note":"é"}}' },
    { id: null, event: 'end', data: '{"reason":"session ended"}' },
  ];

  test('reads events, skips comments and retry, and an id-less event keeps id null', () => {
    expect(new SseParser().push(Buffer.from(STREAM))).toEqual(EXPECTED);
  });

  test('the same messages however the bytes are split, multi-byte characters and CR LF included', () => {
    const bytes = Buffer.from(STREAM.replace(/\n/g, '\r\n'));
    for (const size of [1, 2, 3, 7, 64]) {
      const parser = new SseParser();
      const out: SseMessage[] = [];
      for (let i = 0; i < bytes.length; i += size) out.push(...parser.push(bytes.subarray(i, i + size)));
      expect(out).toEqual(EXPECTED);
    }
  });

  test('multi-line data is joined with LF; a bare CR ends a line', () => {
    expect(new SseParser().push(Buffer.from('event: job\rdata: a\rdata: b\r\r'))).toEqual([{ id: null, event: 'job', data: 'a\nb' }]);
  });
});

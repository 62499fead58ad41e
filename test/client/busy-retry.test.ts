/**
 * A busy daemon (issue 16): write admission control answers 503 with Retry-After before doing
 * anything. The client (and so the console) says it is waiting, waits what the daemon asked, and
 * sends the call again; a 503 without Retry-After is an error at once.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { HttpClient } from '../../src/client/http.js';
import type { BusyWait } from '../../src/contracts/client.js';
import { ApplianceError } from '../../src/contracts/errors.js';
import { snapshotContracts } from '../../src/contracts/snapshots.js';

const create = snapshotContracts['snapshots.create'];

/** Answers the first `busy` requests 503 (with Retry-After when `retryAfter` is set), then 201. */
let busy = 0;
let retryAfter: string | null = '0';
const seen: string[] = [];
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    seen.push(`${req.method} ${req.url} ${body}`);
    if (busy > 0) {
      busy--;
      res.writeHead(503, { 'content-type': 'application/problem+json', ...(retryAfter !== null ? { 'retry-after': retryAfter } : {}) });
      res.end(
        JSON.stringify({ status: 503, title: 'Service Unavailable', detail: 'the appliance is busy (8 zfs changes are being made); nothing was changed' }),
      );
      return;
    }
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ name: 'tank/a@x', dataset: 'tank/a', snapshot: 'x', usedBytes: 0, referencedBytes: 0, createdAt: null, holds: 0 }));
  });
});
let client: HttpClient;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new HttpClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
afterAll(async () => {
  await client.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('a call the daemon refuses as busy', () => {
  test('waits, says so, and is sent again until it is taken; then no longer waiting', async () => {
    busy = 2;
    retryAfter = '0';
    seen.length = 0;
    const waits: (BusyWait | null)[] = [];
    const stop = client.onWaiting((w) => waits.push(w));
    const out = await client.call(create, { dataset: 'tank/a', name: 'x', recursive: false });
    stop();
    expect(out).toMatchObject({ name: 'tank/a@x' });
    // The same request three times: two refused, one taken.
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(1);
    expect(waits).toEqual([
      { operation: 'snapshots.create', retryInSeconds: 1, detail: expect.stringMatching(/busy/) },
      { operation: 'snapshots.create', retryInSeconds: 1, detail: expect.stringMatching(/busy/) },
      null,
    ]);
  });

  test('a 503 without Retry-After is not retried: the error comes at once', async () => {
    busy = 1;
    retryAfter = null;
    seen.length = 0;
    const err = await client.call(create, { dataset: 'tank/a', name: 'x', recursive: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplianceError);
    expect(seen).toHaveLength(1);
    busy = 0;
  });
});

/**
 * The contracts are the whole appliance as clients know it: the daemon implements exactly the
 * contracts of src/contracts/index.ts, with their fields; and a call over the daemon's socket is
 * audited as the console's when the console makes it.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ALL_CONTRACTS, ALL_PERMISSIONS } from '../../src/contracts/index.js';
import { HttpClient } from '../../src/client/http.js';
import { ADMIN_PASSWORD } from '../helpers/app.js';
import { datasetCreateContract, startSocketDaemon, type SocketDaemon } from './daemon.js';

let d: SocketDaemon;
beforeAll(async () => {
  d = await startSocketDaemon();
});
afterAll(async () => {
  await d?.close();
});

test('the registry implements exactly the listed contracts, field for field, and their permissions', () => {
  const ops = d.app.registry.all();
  expect(ops.map((o) => o.name).sort()).toEqual(
    ALL_CONTRACTS.filter((c) => !c.onlyOnHost || c.onlyOnHost === 'sim')
      .map((c) => c.name)
      .sort(),
  );
  for (const op of ops) {
    const c = ALL_CONTRACTS.find((x) => x.name === op.name)!;
    expect({
      name: op.name,
      input: op.input,
      output: op.output,
      permission: op.permission,
      mutating: op.mutating,
      dangerous: op.dangerous,
      http: op.http,
    }).toEqual({ name: c.name, input: c.input, output: c.output, permission: c.permission, mutating: c.mutating, dangerous: c.dangerous, http: c.http });
  }
  expect(
    d.app.registry
      .permissions()
      .map((p) => p.name)
      .sort(),
  ).toEqual(ALL_PERMISSIONS.map((p) => p.name).sort());
});

test("over the socket, the console's calls are audited with face console; other clients' with face api", async () => {
  for (const [agent, face, name] of [
    ['calypso-console/test', 'console', 'tank/from-console'],
    ['curl/8', 'api', 'tank/from-curl'],
  ] as const) {
    const client = new HttpClient({ socketPath: d.socketPath, userAgent: agent });
    await client.login('admin', ADMIN_PASSWORD);
    await client.call(datasetCreateContract, { name });
    await client.logout();
    await client.close();
    const row = await d.app.db('audit_log').where({ operation: 'storage.datasets.create', target: name }).orderBy('id', 'desc').first();
    expect(row).toMatchObject({ face, actor_name: 'admin', result: 'ok' });
  }
});

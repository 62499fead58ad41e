/**
 * Every routed operation × {anonymous, ReadOnly, Operator, Admin}. The expectation is written
 * here as policy, independently of the registry's levels, so a permission that lands at the
 * wrong level fails this test.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import { Registry, defineOperation } from '../../src/services/core/registry.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { SimulatedHost } from '../../src/system/sim/simulated-host.js';

/**
 * Reads only Admin may do: the audit log; who opened a shell on the appliance (audit, too); and the
 * configuration backups (a preview decrypts a file and lists what the appliance holds; the kept
 * exports are whole configurations).
 */
const ADMIN_ONLY_READS = new Set(['audit.read', 'appliance.terminal', 'appliance.configuration', 'appliance.logs']);
/** Changes an Operator may make: day-to-day operation, no IAM, no destroying pools or datasets, no system settings. */
const OPERATOR_CHANGES = new Set([
  'jobs.cancel',
  'storage.scrub',
  'storage.devices',
  'snapshots.write',
  'shares.write',
  'iscsi.write',
  'alerts.ack',
  'schedules.manage',
  'tape.operate',
  'objects.operate',
  'backup.operate',
  'replication.operate',
]);

type Who = 'anonymous' | 'ReadOnly' | 'Operator' | 'Admin';

function allowed(who: Who, permission: string, mutating: boolean): boolean {
  if (permission === 'public') return true;
  if (who === 'anonymous') return false;
  if (permission === 'authenticated' || who === 'Admin') return true;
  const readOk = !mutating && !ADMIN_ONLY_READS.has(permission);
  if (who === 'ReadOnly') return readOk;
  return readOk || OPERATOR_CHANGES.has(permission);
}

/** zod 4 keeps a description on the schema it was given to; optional/default wrap it. */
function describedAnywhere(schema: z.ZodType): boolean {
  if (schema.description) return true;
  const inner = (schema.def as { innerType?: z.ZodType }).innerType;
  return inner ? describedAnywhere(inner) : false;
}

let t: TestApp;
let tokens: Record<Who, string | null>;
beforeAll(async () => {
  // The simulated appliance, so sim-only operations are routed and checked too.
  t = await startTestApp({ host: new SimulatedHost() });
  tokens = {
    anonymous: null,
    ReadOnly: await t.userWithRoles('reader', ['ReadOnly']),
    Operator: await t.userWithRoles('operator', ['Operator']),
    Admin: t.adminToken,
  };
});
afterAll(async () => {
  await t.close();
});

describe('authorization matrix', () => {
  test('every operation answers each role exactly as the policy says', async () => {
    const ops = t.app.registry
      .all()
      .filter((op) => op.http && (!op.onlyOnHost || op.onlyOnHost === t.app.host.kind))
      // Logging out ends the caller's session; run it last.
      .sort((a, b) => Number(a.name === 'auth.logout') - Number(b.name === 'auth.logout'));
    const mismatches: string[] = [];
    for (const op of ops) {
      for (const who of ['anonymous', 'ReadOnly', 'Operator', 'Admin'] as Who[]) {
        const path = `/api/v1${op.http!.path.replace(/:[A-Za-z_]+/g, 'zz-no-such-object')}`;
        const req = t.http[op.http!.method.toLowerCase() as 'get' | 'post' | 'patch' | 'put' | 'delete'](path);
        if (tokens[who]) req.set('Authorization', `Bearer ${tokens[who]}`);
        // An empty input: allowed callers get past authorization and fail (or succeed) on validation.
        const res = op.http!.method === 'GET' ? await req : await req.send({});
        const expectAllowed = allowed(who, op.permission, op.mutating);
        const got = res.status;
        const ok = expectAllowed ? got !== 401 && got !== 403 : got === (who === 'anonymous' ? 401 : 403);
        if (!ok) mismatches.push(`${op.name} as ${who}: ${got} (${expectAllowed ? 'allowed' : 'denied'} expected) ${res.body?.detail ?? ''}`);
        if (got >= 500) mismatches.push(`${op.name} as ${who}: server error ${got}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(ops.length).toBeGreaterThan(20);
    // One call per operation and role (about 400 calls with the new subsystems): minutes on a loaded machine, not 30 s.
  }, 180_000);

  test('every permission in the catalogue is covered by the policy above', () => {
    const known = new Set([...ADMIN_ONLY_READS, ...OPERATOR_CHANGES]);
    for (const p of t.app.registry.permissions()) {
      if (p.level === 'read') expect(ADMIN_ONLY_READS.has(p.name)).toBe(false);
      if (p.level === 'operate') expect({ permission: p.name, operatorMay: known.has(p.name) }).toEqual({ permission: p.name, operatorMay: true });
      if (p.level === 'admin' && !ADMIN_ONLY_READS.has(p.name)) expect(OPERATOR_CHANGES.has(p.name)).toBe(false);
    }
  });

  test('an operation without a declared permission cannot be registered', () => {
    const registry = new Registry();
    expect(() =>
      registry.add(
        defineOperation({
          name: 'x.y',
          summary: 'x',
          permission: '',
          mutating: false,
          input: z.object({}),
          output: z.object({}),
          handler: async () => ({}),
        }),
      ),
    ).toThrow(/declares no permission/);
    expect(() =>
      registry.add(
        defineOperation({
          name: 'x.z',
          summary: 'x',
          permission: 'not.in.catalogue',
          mutating: false,
          input: z.object({}),
          output: z.object({}),
          handler: async () => ({}),
        }),
      ),
    ).toThrow(/unknown permission/);
  });

  test('every input field of every operation is described', () => {
    const undescribed: string[] = [];
    for (const op of t.app.registry.all()) {
      for (const [field, schema] of Object.entries(op.input.shape)) {
        if (!describedAnywhere(schema as z.ZodType)) undescribed.push(`${op.name}.${field}`);
      }
    }
    expect(undescribed).toEqual([]);
  });
});

/**
 * Hostile input, property-based: every operation in the registry gets generated hostile values
 * through the API, as Admin (so permission checks do not stop them early), on the simulated
 * appliance (so commands really answer and handlers go as deep as the input lets them).
 *
 * For every request:
 * - never a 5xx;
 * - every command the host ran has no argument starting with '-' other than the adapters' own
 *   flags, none equal to a generated dash-value, and none containing NUL, CR or LF;
 * - an operation that mutates and was reached wrote exactly one audit row; a read wrote none.
 *
 * FUZZ_RUNS (default 12) sets the runs per operation; FUZZ_SEED replays a run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { statusOf, type AnyOperation } from '../../src/services/index.js';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../helpers/app.js';
import { RecordingSimulatedHost } from './recording-sim-host.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

/** The flags the adapters themselves pass: every string literal starting with '-' in src/system (the simulator excluded). */
function adapterFlags(): Set<string> {
  const flags = new Set<string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'sim') walk(p);
      } else if (p.endsWith('.ts')) {
        for (const m of fs.readFileSync(p, 'utf8').matchAll(/['"`](-{1,2}[A-Za-z][A-Za-z0-9_-]*)['"`]/g)) flags.add(m[1]!);
      }
    }
  };
  walk(path.resolve('src/system'));
  return flags;
}
const FLAGS = adapterFlags();

// ---------- generators ----------

const dashed = fc
  .tuple(fc.constantFrom('-', '--', '-o', '-R', '-rf', '--help', '-f '), fc.stringMatching(/^[A-Za-z0-9=,.:/ -]{0,12}$/))
  .map(([a, b]) => a + b)
  .filter((s) => !FLAGS.has(s));
const shellMeta = fc.constantFrom(
  ';reboot',
  '|cat /etc/shadow',
  '&& id',
  '$(id)',
  '`id`',
  '>x',
  '<x',
  '*',
  '?',
  '~root',
  '!!',
  '#',
  "'",
  '"',
  '\\',
  '{a,b}',
  '%',
  '$HOME',
  '\t',
  ' ',
);
const control = fc.constantFrom('\0', '\n', '\r', '\r\n', '\u202e', '\ufeff', '\u0085', '\u2028', '\x1b[31m', '\x7f');
const unicode = fc.string({ unit: 'grapheme', maxLength: 12 });
const huge = fc.constantFrom(256, 4096, 70_000).chain((n) => fc.constantFrom('x', 'é', '-', '/', '💾').map((c) => c.repeat(n)));
const pathy = fc.constantFrom(
  '../../etc/passwd',
  '/etc/shadow',
  'tank/../../etc',
  '//',
  '.',
  '..',
  'tank//x',
  '@',
  '%',
  'tank@a%b',
  'tank/a@b@c',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
);

const core = fc.oneof({ arbitrary: dashed, weight: 3 }, { arbitrary: shellMeta, weight: 2 }, { arbitrary: control, weight: 2 }, unicode, huge, pathy);
const prefix = fc.constantFrom('', '', 'tank/', 'tank@', 'tank/data@', 'tank/x/', 'sd', '/dev/', 'fuzz-');
const hostileString = fc.tuple(prefix, core, fc.option(core, { nil: undefined })).map(([p, a, b]) => p + a + (b ?? ''));

const plausible = fc.constantFrom(
  'tank',
  'tank/data',
  'tank/data@snap1',
  'tank/fuzz',
  'sdb',
  'sdc',
  'sdk',
  'fuzzer',
  'Operator',
  'lz4',
  'start',
  '1',
  'true',
  'false',
  '0',
  'mirror',
);

const wrongType = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
  fc.constantFrom(-1, 0, 0.5, 1e308, -1e308, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, -0),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(hostileString, fc.integer()), { maxLength: 3 }),
  fc.constant(JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}') as unknown),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'a', 'type', 'disks'), hostileString, { maxKeys: 3 }),
);

const fieldValue = fc.oneof({ arbitrary: hostileString, weight: 4 }, { arbitrary: wrongType, weight: 2 }, { arbitrary: plausible, weight: 2 });

/** An input for `op`: each declared field hostile, wrong or plausible (or absent), plus hostile extra keys. */
function inputFor(op: AnyOperation): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(op.input.shape);
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const k of keys) fields[k] = fieldValue;
  return fc
    .tuple(
      fc.record(fields, { requiredKeys: [] }),
      fc.option(fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'confirm', 'extra'), fieldValue, { maxKeys: 2 }), { nil: undefined }),
      fc.boolean(),
    )
    .map(([declared, extra, confirmName]) => {
      // JSON.parse makes '__proto__' an own key, as a hostile client's body would have it.
      const input = JSON.parse(JSON.stringify({ ...(extra ?? {}) })) as Record<string, unknown>;
      for (const [k, v] of Object.entries(declared)) input[k] = v;
      if (op.dangerous && confirmName) input.confirm = op.target?.(input as never) ?? input.name;
      return input;
    });
}

// ---------- the app ----------

let t: TestApp;
let host: RecordingSimulatedHost;
let token: string;
let sequence = 0;

beforeAll(async () => {
  host = new RecordingSimulatedHost();
  t = await startTestApp({ host, mounts: () => [] });
  token = t.adminToken;
  // Something for plausible names to find.
  await t.http.post('/api/v1/storage/datasets').set('Authorization', `Bearer ${token}`).send({ name: 'tank/data' });
  await t.http.post('/api/v1/snapshots').set('Authorization', `Bearer ${token}`).send({ dataset: 'tank/data', name: 'snap1' });
});

afterAll(async () => {
  const running = await t.app.jobs.list({ state: 'running', limit: 1000, offset: 0 });
  for (const job of running.items) if (job.cancellable) await t.app.jobs.cancel(job.id).catch(() => undefined);
  await t.close();
});

async function auditRows(): Promise<number> {
  const [{ n }] = await t.app.db('audit_log').count({ n: '*' });
  return Number(n);
}

/** A fresh admin session when a fuzzed logout or password change ended ours. */
async function ensureSession(): Promise<void> {
  const me = await t.http.get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`);
  if (me.status === 200) return;
  const res = await t.http
    .post('/api/v1/auth/login')
    .set('X-Forwarded-For', `198.18.${++sequence % 250}.1`)
    .send({ username: 'admin', password: ADMIN_PASSWORD });
  expect(res.status).toBe(200);
  token = res.body.accessToken;
}

function queryOf(input: Record<string, unknown>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(input)) {
    if (Array.isArray(v)) for (const x of v) q.append(k, typeof x === 'string' ? x : JSON.stringify(x));
    else q.append(k, typeof v === 'string' ? v : JSON.stringify(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

interface Sent {
  status: number;
  reached: boolean;
  detail: string;
}

async function send(op: AnyOperation, input: Record<string, unknown>): Promise<Sent> {
  const { method, path: template } = op.http!;
  const url = `/api/v1${template.replace(/:(\w+)/g, (_, p: string) => encodeURIComponent(typeof input[p] === 'string' ? (input[p] as string) : JSON.stringify(input[p] ?? '')))}`;
  const auth = { Authorization: `Bearer ${token}` };
  const res =
    method === 'GET'
      ? await t.http.get(url + queryOf(input)).set(auth)
      : await t.http[method.toLowerCase() as 'post' | 'patch' | 'put' | 'delete'](url)
          .set(auth)
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(input));
  const detail = String(res.body?.detail ?? res.text ?? '').slice(0, 200);
  // Refused before the operation: no route matched (empty or oversized path parameter), or the body
  // parser refused the body (a '__proto__' key, too large), or the path matched another method only (405): nothing ran, so nothing is audited.
  const reached =
    !(res.status === 404 && /^no route /.test(detail)) &&
    ![405, 413, 415, 431].includes(res.status) &&
    !(res.status === 400 && detail === 'malformed request body');
  return { status: res.status, reached, detail };
}

/** For a failure report: what the error behind a 5xx was (the API rightly hides it). */
async function inProcess(op: AnyOperation, input: Record<string, unknown>): Promise<string> {
  try {
    await t.app.call(op.name, input, { actor: await t.app.auth.authenticate(token), face: 'console' });
    return 'succeeded';
  } catch (err) {
    return String((err as Error).stack ?? err)
      .split('\n')
      .slice(0, 6)
      .join(' | ');
  }
}

function badArguments(calls: { command: string; args: string[] }[], input: Record<string, unknown>): string[] {
  const dashValues = new Set<string>();
  const collect = (v: unknown) => {
    if (typeof v === 'string' && v.startsWith('-')) dashValues.add(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  collect(input);
  const problems: string[] = [];
  for (const c of calls) {
    for (const a of c.args) {
      if (/[\0\r\n]/.test(a)) problems.push(`${c.command} got an argument with NUL/CR/LF: ${JSON.stringify(a.slice(0, 80))}`);
      if (a.startsWith('-') && (!FLAGS.has(a) || dashValues.has(a)))
        problems.push(`${c.command} got ${JSON.stringify(a.slice(0, 80))} as an option: ${JSON.stringify(c.args).slice(0, 300)}`);
    }
  }
  return problems;
}

// The operations in PARTS tests, each with its own time limit: one test of every operation (about 3,000 calls) took more than
// four minutes on a loaded machine. Each operation gets the same inputs (its own fc.assert, the same seed) as in one test.
const PARTS = 8;
for (let part = 0; part < PARTS; part++)
  test(`hostile values to every operation (part ${part + 1} of ${PARTS}): never a 5xx, never an unvalidated argument, every write audited`, async () => {
    const failures: string[] = [];
    const ops = t.app.registry
      .all()
      .filter((op) => !op.onlyOnHost || op.onlyOnHost === t.app.host.kind)
      .filter((_, i) => i % PARTS === part);
    expect(ops.length).toBeGreaterThan(0);
    for (const op of ops) {
      await fc
        .assert(
          fc.asyncProperty(inputFor(op), async (input) => {
            await ensureSession();
            const before = await auditRows();
            const firstCall = host.calls.length;
            let status: number;
            let reached = true;
            let detail = '';
            if (op.http) {
              ({ status, reached, detail } = await send(op, input));
            } else {
              // Reached from the console only: the same call path, without HTTP.
              const actor = await t.app.auth.authenticate(token);
              status = await t.app.call(op.name, input, { actor, face: 'console' }).then(
                () => 200,
                (err: unknown) => statusOf(err),
              );
            }
            const problems = badArguments(host.calls.slice(firstCall), input);
            const audited = (await auditRows()) - before;
            const expectedAudit = op.mutating && reached ? 1 : 0;
            if (status >= 500) problems.push(`answered ${status}: ${detail}; the same call in process: ${await inProcess(op, input)}`);
            if (audited !== expectedAudit) problems.push(`wrote ${audited} audit rows, expected ${expectedAudit} (status ${status}: ${detail})`);
            if (problems.length) {
              failures.push(`${op.name} with ${JSON.stringify(input).slice(0, 400)}:\n  ${problems.join('\n  ')}`);
              return false;
            }
            return true;
          }),
          { numRuns: RUNS, seed: SEED, endOnFailure: true },
        )
        .catch(() => undefined);
    }
    expect(failures).toEqual([]);
    // No generated __proto__ key reached a prototype.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  }, 120_000);

test('bodies that are not JSON objects, malformed or oversized are refused with 4xx and run nothing', async () => {
  await ensureSession();
  const before = await auditRows();
  const firstCall = host.calls.length;
  const auth = { Authorization: `Bearer ${token}` };
  const bodies: [string, string][] = [
    ['[]', 'application/json'],
    ['"tank"', 'application/json'],
    ['123', 'application/json'],
    ['null', 'application/json'],
    ['{"name":', 'application/json'],
    ['{"name":"tank/x"}', 'text/plain'],
    ['name=tank/x', 'application/x-www-form-urlencoded'],
    [`{"name":"${'x'.repeat(1_100_000)}"}`, 'application/json'],
    ['{"name":"tank/\\u0000x"}', 'application/json'],
  ];
  for (const [body, type] of bodies) {
    const res = await t.http.post('/api/v1/storage/datasets').set(auth).set('Content-Type', type).send(body);
    expect({ body: body.slice(0, 40), status: res.status < 500 && res.status >= 400 }).toEqual({ body: body.slice(0, 40), status: true });
    expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/);
  }
  expect(host.calls.slice(firstCall).filter((c) => !['list', 'get', 'version'].includes(c.args[0] ?? ''))).toEqual([]);
  // Bodies the parser ignores (text, form) reach the operation as {}, a JSON array is refused by the
  // operation as not an object: with the NUL one, four refusals are audited as invalid.
  expect((await auditRows()) - before).toBe(4);
});

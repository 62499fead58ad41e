/**
 * One naming rule for sizes, times and durations in every API output (issue 17; the rule is
 * written in src/services/core/time.ts and in README's API section). The test reads the OpenAPI
 * document as a client would and walks every response schema, nested objects and array items
 * included, and fails on a field that breaks the rule:
 *
 * - a number whose name says size (size, used, avail, free, quota, reserv, bytes, capacity,
 *   allocated, referenced, repaired...) must end in `Bytes` (or `Percent`/`Ratio` for a share);
 * - a field whose name says time (time, date, created, updated, last..., expires, since, until,
 *   started, ended, finished, opened...) must be a `date-time` string named `*At`, or a duration
 *   number named `*Seconds`/`*Ms`;
 * - every `*At` field (and `at`) is a `date-time` string (or null), and every `date-time` string
 *   is named `*At`; every `*Bytes` field is a number.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { startTestApp, type TestApp } from '../helpers/app.js';

interface Field {
  op: string;
  /** `.items[].usedBytes`; `{*}` marks the values of a name -> value map. */
  path: string;
  name: string;
  /** JSON types the field may have (null included). */
  types: string[];
  formats: string[];
}

type Schema = {
  type?: string | string[];
  format?: string;
  properties?: Record<string, Schema>;
  items?: Schema | Schema[];
  prefixItems?: Schema[];
  additionalProperties?: Schema | boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};

/** The alternatives a schema stands for (anyOf / oneOf / allOf flattened). */
function variants(s: Schema): Schema[] {
  const alts = [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])];
  return alts.length ? [s, ...alts.flatMap(variants)] : [s];
}

function walkSchema(schema: unknown, op: string, path = ''): Field[] {
  const out: Field[] = [];
  for (const s of variants((schema ?? {}) as Schema)) {
    for (const [name, child] of Object.entries(s.properties ?? {})) {
      const vs = variants(child);
      const types = [...new Set(vs.flatMap((v) => (v.type === undefined ? [] : Array.isArray(v.type) ? v.type : [v.type])))];
      const formats = [...new Set(vs.flatMap((v) => (v.format ? [v.format] : [])))];
      out.push({ op, path: `${path}.${name}`, name, types, formats });
      out.push(...walkSchema(child, op, `${path}.${name}`));
    }
    if (s.items && !Array.isArray(s.items)) out.push(...walkSchema(s.items, op, `${path}[]`));
    // Tuples (metric points: [epoch ms, value]) are positional, nothing is named: not walked.
    // A name -> value map (ZFS `properties`, metric `labels`): its keys are data, its values are walked.
    if (s.additionalProperties && typeof s.additionalProperties === 'object') out.push(...walkSchema(s.additionalProperties, op, `${path}{*}`));
  }
  return out;
}

const SIZE = /size|used|avail|free|quota|reserv|bytes|capacity|allocated|referenced|repaired|scanned|issued|written|logical/i;
const TIME = /time|date|created|updated|modified|^last|expires|expiry|since|until|started|ended|finished|opened|closed|connected|placed|^when$|^at$|At$/;
const DURATION = /seconds|Ms$|duration|elapsed|uptime|timeout|interval|ttl|expiresIn|toGo|remaining|^age$|hours|minutes/i;

/** `createdBy`, `acknowledgedBy`: who, not when. */
const actor = (f: Field) => /By$/.test(f.name);
const isNumber = (f: Field) => f.types.includes('number') || f.types.includes('integer');
const isString = (f: Field) => f.types.includes('string');
const nonNull = (f: Field) => f.types.filter((t) => t !== 'null');

/** The rule's complaints about one field ([] when it keeps the rule). */
function checkNaming(f: Field): string[] {
  const where = `${f.op}${f.path}`;
  const problems: string[] = [];
  const endsBytes = /Bytes$/.test(f.name);
  const endsAt = /At$/.test(f.name) || f.name === 'at';
  const endsDuration = /(Seconds|Ms)$/.test(f.name);
  const share = /(Percent|Ratio)$/.test(f.name);
  const dateTime = f.formats.includes('date-time');

  if (endsBytes && (nonNull(f).length !== 1 || !isNumber(f))) problems.push(`${where}: a *Bytes field is a number of bytes, not ${f.types.join('|')}`);
  if (!endsBytes && !share && !endsDuration && isNumber(f) && SIZE.test(f.name))
    problems.push(`${where}: a size is named *Bytes (or *Percent / *Ratio for a share)`);

  if (endsAt && !(isString(f) && nonNull(f).length === 1 && dateTime))
    problems.push(
      `${where}: a *At field is a date-time string (format: date-time), not ${f.types.join('|')}${f.formats.length ? ` ${f.formats.join('|')}` : ''}`,
    );
  if (dateTime && !endsAt) problems.push(`${where}: a date-time is named *At`);
  if (!endsAt && !dateTime && !actor(f) && isString(f) && TIME.test(f.name)) problems.push(`${where}: a time is a date-time string named *At`);

  if (isNumber(f) && !endsDuration && !endsBytes && !share && !actor(f) && (DURATION.test(f.name) || TIME.test(f.name)))
    problems.push(`${where}: a duration is named *Seconds or *Ms`);
  return problems;
}

let t: TestApp;
let doc: { paths: Record<string, Record<string, { operationId: string; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>> };
beforeAll(async () => {
  t = await startTestApp();
  doc = (await t.http.get('/api/v1/openapi.json')).body;
});
afterAll(async () => {
  await t.close();
});

function responseFields() {
  const fields: ReturnType<typeof walkSchema> = [];
  for (const methods of Object.values(doc.paths)) {
    for (const op of Object.values(methods)) {
      for (const [status, res] of Object.entries(op.responses ?? {})) {
        if (!/^2/.test(status)) continue;
        for (const media of Object.values(res.content ?? {})) fields.push(...walkSchema(media.schema, op.operationId));
      }
    }
  }
  return fields;
}

test('every size, time and duration in every response follows the naming rule', () => {
  const fields = responseFields();
  // The walk reaches the fields that matter (a broken walk would pass vacuously).
  const names = new Set(fields.map((f) => `${f.op}${f.path}`));
  for (const expected of [
    'storage.datasets.list.items[].usedBytes',
    'storage.datasets.get.quotaBytes',
    'storage.pools.get.scan.repairedBytes',
    'storage.pools.get.scan.startedAt',
    'snapshots.list.items[].createdAt',
    'jobs.get.log[].at',
    'audit.list.items[].at',
    'auth.login.expiresInSeconds',
    'alerts.list.items[].snoozeEndsAt',
    'metrics.history.fromAt',
    'storage.disks.list.items[].powerOnSeconds',
  ])
    expect({ expected, found: names.has(expected) }).toEqual({ expected, found: true });
  expect(fields.length).toBeGreaterThan(500);
  expect(fields.flatMap(checkNaming)).toEqual([]);
});

test('ZFS property maps are data, not fields: their keys are exempt, and the walk says so', () => {
  const props = responseFields().filter((f) => f.op === 'storage.datasets.get' && f.path.startsWith('.properties'));
  // `properties` is a name -> {value, source} map: `properties{*}.value` is walked, no key named `quota` appears.
  expect(props.map((f) => f.path)).toEqual(expect.arrayContaining(['.properties', '.properties{*}.value']));
  expect(props.some((f) => /quota|used|available/.test(f.path))).toBe(false);
});

test('the checker itself catches each kind of break (so a pass means something)', () => {
  const bad = {
    type: 'object',
    properties: {
      used: { type: 'number' },
      quota: { type: ['number', 'null'] },
      capacity: { type: 'integer' },
      sizeBytes: { type: 'string' },
      createdAt: { type: 'string' },
      since: { type: 'string' },
      lastLogin: { type: 'string', format: 'date-time' },
      expiresIn: { type: 'number' },
      at: { type: 'number' },
      when: { type: 'string', format: 'date-time' },
      nested: { type: 'array', items: { type: 'object', properties: { referenced: { anyOf: [{ type: 'number' }, { type: 'null' }] } } } },
      properties: { type: 'object', additionalProperties: { type: 'object', properties: { value: { type: 'string' } } } },
    },
  };
  const problems = [
    ...new Set(
      walkSchema(bad, 'x')
        .flatMap(checkNaming)
        .map((p) => p.split(':')[0]),
    ),
  ];
  expect(problems.sort()).toEqual([
    'x.at',
    'x.capacity',
    'x.createdAt',
    'x.expiresIn',
    'x.lastLogin',
    'x.nested[].referenced',
    'x.quota',
    'x.since',
    'x.sizeBytes',
    'x.used',
    'x.when',
  ]);
  const good = {
    type: 'object',
    properties: {
      usedBytes: { type: 'number' },
      capacityPercent: { type: 'number' },
      dedupRatio: { type: 'number' },
      createdAt: { type: 'string', format: 'date-time' },
      finishedAt: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] },
      timeoutMs: { type: 'number' },
      intervalSeconds: { type: 'number' },
      available: { type: 'boolean' },
      holds: { type: 'number' },
      name: { type: 'string' },
      createdBy: { type: 'string' },
    },
  };
  expect(walkSchema(good, 'y').flatMap(checkNaming)).toEqual([]);
});

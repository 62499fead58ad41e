/**
 * The support bundle (issue 15): one tar.gz with the versions (Calypso, Node, the OS, the tools),
 * the settings with every secret redacted, recent logs (Calypso's and the journal, through the
 * logs operations), and the output of the status commands through the Host (on the simulated
 * appliance, the simulation answers them).
 *
 * Redaction is in two layers: every secret column and JSON-path secret the configuration
 * registry names, and every field named like a secret, is replaced; then every secret value
 * the database holds is searched for in every file of the bundle (logs and command output
 * included) and replaced wherever it appears. A test puts known secrets in every secret-bearing
 * place and finds none in the archive.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { Knex } from 'knex';
import { configContracts as c } from '../../contracts/appliance-config.js';
import { tarGz, type TarEntry } from '../../lib/tar.js';
import { STATUS_COMMANDS, TOOL_VERSIONS, capture } from '../../system/support/index.js';
import type { Ctx } from '../core/context.js';
import { REDACTED, SECRET_KEY, redact } from '../core/redact.js';
import { implement, type Registry } from '../core/registry.js';
import { CONFIG_SETTINGS, CONFIG_TABLES } from './config-tables.js';

type Row = Record<string, unknown>;

/** Status read through operations (their own adapters and parsers), as the admin who asked. */
const STATUS_OPERATIONS: [string, string, Row][] = [
  ['status/services.json', 'appliance.services.list', {}],
  ['status/ntp.json', 'appliance.ntp.status', {}],
  ['status/backup-director.json', 'backup.status', {}],
  ['status/pools.json', 'storage.pools.list', { limit: 1000 }],
  ['status/alerts.json', 'alerts.list', { limit: 500 }],
];

const LOG_LINES = 500;

async function viaOperation(ctx: Ctx, name: string, input: Row): Promise<string> {
  try {
    return JSON.stringify(await ctx.call(name, input, ctx), null, 1);
  } catch (err) {
    return JSON.stringify({ operation: name, failed: err instanceof Error ? err.message : String(err) });
  }
}

const parsed = (text: unknown): unknown => {
  try {
    return JSON.parse(String(text));
  } catch {
    return text;
  }
};

/** Every secret value the database holds, to be searched for in every file of the bundle. */
async function knownSecrets(db: Knex): Promise<string[]> {
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string' && v.length >= 4) out.add(v);
  };
  for (const t of CONFIG_TABLES) {
    if (!t.secrets?.length) continue;
    for (const row of (await db(t.table).select(t.secrets)) as Row[]) for (const col of t.secrets) add(row[col]);
  }
  for (const row of (await db('settings').select('key', 'value')) as Row[]) {
    const key = String(row.key);
    if (SECRET_KEY.test(key)) add(row.value);
    const walk = (v: unknown, depth: number) => {
      if (depth > 8 || !v || typeof v !== 'object') return;
      for (const [k, x] of Object.entries(v as Row)) {
        if (SECRET_KEY.test(k)) add(x);
        else walk(x, depth + 1);
      }
    };
    walk(parsed(row.value), 0);
    for (const { list, fields } of CONFIG_SETTINGS[key]?.secrets ?? []) {
      const items = (parsed(row.value) as Row)?.[list];
      if (Array.isArray(items)) for (const item of items as Row[]) for (const f of fields) add(item[f]);
    }
  }
  // A secret column that holds JSON (an SNMP channel's community and passphrases): its values too.
  for (const s of [...out]) {
    const doc = parsed(s);
    if (doc && typeof doc === 'object') for (const v of Object.values(doc as Row)) add(v);
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** The configuration and the installer's settings, secrets replaced. */
async function redactedSettings(db: Knex): Promise<unknown> {
  const tables: Record<string, unknown[]> = {};
  for (const t of CONFIG_TABLES) {
    const rows = (await db(t.table).select('*').orderBy(t.primaryKey)) as Row[];
    tables[t.table] = rows.map((r) => {
      const row: Row = { ...r };
      for (const col of t.secrets ?? []) if (row[col] !== null && row[col] !== undefined) row[col] = REDACTED;
      for (const col of ['value', 'config', 'spec', 'options', 'selector']) if (typeof row[col] === 'string') row[col] = parsed(row[col]);
      if (t.table === 'settings' && SECRET_KEY.test(String(row.key))) row.value = REDACTED;
      for (const { list, fields } of CONFIG_SETTINGS[String(row.key)]?.secrets ?? []) {
        const items = (row.value as Row | null)?.[list];
        if (Array.isArray(items)) for (const item of items as Row[]) for (const f of fields) if (f in item) item[f] = REDACTED;
      }
      return redact(row);
    });
  }
  return tables;
}

export async function supportBundle(ctx: Ctx, version: string): Promise<{ fileName: string; archive: Buffer; files: string[] }> {
  const now = ctx.host.now?.() ?? Date.now();
  const files: { name: string; text: string }[] = [];
  const versions: Row = {
    calypso: version,
    node: process.version,
    os: { type: os.type(), release: os.release(), platform: os.platform(), arch: os.arch(), hostname: os.hostname() },
    host: ctx.host.kind,
    createdAt: new Date(now).toISOString(),
  };
  files.push({ name: 'versions.json', text: JSON.stringify(versions, null, 1) });
  files.push({ name: 'tools.txt', text: (await Promise.all(TOOL_VERSIONS.map(([cmd, args]) => capture(ctx.host, cmd, args)))).join('\n') });
  files.push({ name: 'settings.json', text: JSON.stringify(await redactedSettings(ctx.db), null, 1) });
  files.push({ name: 'logs/calypso.json', text: await viaOperation(ctx, 'appliance.logs.calypso', { limit: LOG_LINES }) });
  files.push({ name: 'logs/journal.json', text: await viaOperation(ctx, 'appliance.logs.journal', { limit: LOG_LINES }) });
  for (const [cmd, args] of STATUS_COMMANDS)
    files.push({ name: `status/${cmd}-${args.filter((a) => !a.startsWith('-')).join('-') || 'default'}.txt`, text: await capture(ctx.host, cmd, args) });
  for (const [name, op, input] of STATUS_OPERATIONS) files.push({ name, text: await viaOperation(ctx, op, input) });

  const secrets = await knownSecrets(ctx.db);
  const clean = (text: string) => secrets.reduce((t, s) => (t.includes(s) ? t.split(s).join(REDACTED) : t), text);
  // A secret may appear JSON-escaped (quotes, backslashes) inside a JSON file: those spellings too.
  const escaped = secrets.map((s) => JSON.stringify(s).slice(1, -1)).filter((s, i) => s !== secrets[i]);
  const entries: TarEntry[] = files.map((f) => ({
    name: `calypso-support/${f.name}`,
    content: escaped.reduce((t, s) => (t.includes(s) ? t.split(s).join(REDACTED) : t), clean(f.text)),
    mtimeMs: now,
  }));
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return {
    fileName: `calypso-support-${os.hostname().replace(/[^A-Za-z0-9.-]/g, '_')}-${stamp}.tar.gz`,
    archive: tarGz(entries),
    files: entries.map((e) => e.name),
  };
}

export function registerSupport(registry: Registry, version: () => string): void {
  registry.add(
    implement(c['appliance.support.bundle'], async (ctx) => {
      const b = await supportBundle(ctx, version());
      return {
        fileName: b.fileName,
        sizeBytes: b.archive.length,
        sha256: crypto.createHash('sha256').update(b.archive).digest('hex'),
        files: b.files,
        contentBase64: b.archive.toString('base64'),
      };
    }),
  );
}

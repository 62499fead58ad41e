/**
 * Configuration backup and restore (issue 15): export the desired state of every subsystem
 * (CONFIG_SECTIONS) as one file; check a file and preview what restoring it changes; restore it
 * as one unit (database transaction, then each changed subsystem re-applies its files through
 * its own apply step; a failing step rolls the database back and re-applies the previous state).
 *
 * Secrets are exported only into an encrypted file. Restoring a file without them keeps this
 * appliance's secret of each row it already has (same key); a new row gets none (a user then
 * has an unusable password until an administrator sets one), and the preview says so.
 *
 * Users: the restoring administrator keeps their account, password and Admin role whatever the
 * file says, so the appliance is never left without the person who restored it. Every other
 * session ends (a restored user id may now be someone else).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { configContracts as c, configPermissions } from '../../contracts/appliance-config.js';
import { nowIso } from '../../contracts/time.js';
import type { Ctx } from '../core/context.js';
import { Conflict, ServiceError, ValidationError } from '../core/errors.js';
import { implement, type Registry } from '../core/registry.js';
import { hashPassword } from '../iam/passwords.js';
import { syncBuiltinRoles } from '../iam/operations.js';
import { applyIscsi, loadConfs } from '../iscsi/operations.js';
import type { Scheduler } from '../schedules/scheduler.js';
import type { Monitoring } from '../monitoring/service.js';
import type { LicenseBook } from './licenses.js';
import { applyNfs } from '../shares/nfs.js';
import { applySmb } from '../shares/smb.js';
import { withLock } from '../shares/apply.js';
import { isPostgres } from '../db.js';
import { applyBacula } from '../backup/resources.js';
import { applyVtls, cleaningBarcodes, dataBarcodes, loadVtls } from '../tape/vtl.js';
import { CONFIG_SECTIONS, CONFIG_SETTINGS, CONFIG_TABLES, type ConfigTable } from './config-tables.js';
import { readConfigFile, writeConfigFile, type ConfigHeader, type ConfigPayload } from './config-file.js';
import { applySnmpd, storedSnmp } from './snmp.js';
import { registerSupport } from './support.js';
import { applyChrony, timeSettings } from './time.js';

type Row = Record<string, unknown>;

export interface ConfigOptions {
  registry: Registry;
  scheduler: Scheduler;
  /** The alert engine keeps the rules and maintenance windows in memory: it reads them again after a restore. */
  monitoring: Pick<Monitoring, 'alerts' | 'updateSettings'>;
  /** The license book keeps what it read: it reads the restored licenses again. */
  licenses: Pick<LicenseBook, 'forget'>;
  version: () => string;
  /** Where scheduled exports are kept (null: nowhere, the daemon was given no data directory). */
  exportDir?: () => string | null;
}

const RESTORE_LOCK = 'configuration';
/**
 * The locks of every subsystem's apply (each file's own: smb, nfs, iscsi, bacula, mhvtl, chrony,
 * snmpd, the time zone): a restore holds them all, so no change of one subsystem interleaves
 * with it. No other apply takes two of them, so taking them in this order cannot deadlock.
 */
const APPLY_LOCKS = ['smb', 'nfs', 'iscsi', 'bacula', 'mhvtl', 'chrony.conf', 'snmpd.conf', 'timezone'];

function withEveryLock<T>(fn: () => Promise<T>): Promise<T> {
  return [RESTORE_LOCK, ...APPLY_LOCKS].reduceRight<() => Promise<T>>((inner, key) => () => withLock(key, inner), fn)();
}
const EXPORT_NAME = /^calypso-config-\d{8}T\d{6}Z(?:-\d+)?\.json$/;

// ---------------------------------------------------------------- reading the database

type ColumnInfo = Record<string, Knex.ColumnInfo>;

async function columnsOf(db: Knex, table: string): Promise<string[]> {
  return Object.keys(await db(table).columnInfo());
}

/** Why a value does not fit its column (its type, length, emptiness), or null: the database is never the one to refuse it. */
function misfit(info: Knex.ColumnInfo, v: unknown): string | null {
  if (v === null || v === undefined) return info.nullable ? null : 'may not be empty';
  const type = info.type.toLowerCase();
  if (/int/.test(type))
    return (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^-?\d{1,18}$/.test(v)) ? null : 'must be a whole number';
  if (/bool/.test(type)) return v === 0 || v === 1 || v === true || v === false ? null : 'must be 0 or 1';
  if (/double|float|real|numeric|decimal/.test(type))
    return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && /^-?\d+(\.\d+)?(e-?\d+)?$/i.test(v)) ? null : 'must be a number';
  if (typeof v !== 'string') return 'must be text';
  const max = Number(info.maxLength);
  return max > 0 && v.length > max ? `is longer than ${max} characters` : null;
}

/** The columns of a table an export carries: all but state, and but secrets unless they are wanted. */
async function exportedColumns(db: Knex, t: ConfigTable, secrets: boolean): Promise<string[]> {
  const skip = new Set([...(t.state ?? []), ...(secrets ? [] : (t.secrets ?? []))]);
  return (await columnsOf(db, t.table)).filter((col) => !skip.has(col)).sort();
}

/** JSON-path secrets inside settings rows (SNMP communities and users): blanked in unencrypted exports. */
function stripSettingSecrets(key: string, value: string): string {
  const spec = CONFIG_SETTINGS[key]?.secrets;
  if (!spec) return value;
  const doc = JSON.parse(value) as Record<string, unknown>;
  for (const { list, fields } of spec) {
    const items = doc[list];
    if (Array.isArray(items)) for (const item of items as Row[]) for (const f of fields) if (f in item) item[f] = null;
  }
  return JSON.stringify(doc);
}

async function readPayload(db: Knex, secrets: boolean): Promise<ConfigPayload> {
  const payload: ConfigPayload = {};
  for (const section of CONFIG_SECTIONS) {
    payload[section.name] = {};
    for (const t of section.tables) {
      const cols = await exportedColumns(db, t, secrets);
      let rows: Row[] = await db(t.table).select(cols).orderBy(t.primaryKey);
      if (t.table === 'settings') {
        rows = rows
          .filter((r) => String(r.key) in CONFIG_SETTINGS)
          .map((r) => (secrets ? r : { ...r, value: stripSettingSecrets(String(r.key), String(r.value)) }));
      }
      payload[section.name]![t.table] = rows.map((r) => Object.fromEntries(cols.map((col) => [col, normalise(r[col])])));
    }
  }
  return payload;
}

/** One spelling of a value on both databases: booleans as 0/1, PostgreSQL's bigint strings as numbers. */
function normalise(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^-?\d{1,15}$/.test(v)) return v;
  return v ?? null;
}

const same = (a: unknown, b: unknown) => String(normalise(a)) === String(normalise(b));
const keyOf = (t: ConfigTable, r: Row) => t.primaryKey.map((k) => String(r[k])).join('\u0000');

// ---------------------------------------------------------------- checking a file

const bad = (message: string, at: string) => new ValidationError(message, [{ path: at, message }]);

/** Each section and table known, each row with exactly the exported columns of plain values, foreign keys inside the file. */
async function checkPayload(db: Knex, payload: ConfigPayload, header: ConfigHeader): Promise<void> {
  const sections = new Map(CONFIG_SECTIONS.map((s) => [s.name, s]));
  for (const name of Object.keys(payload)) if (!sections.has(name)) throw bad(`the file has an unknown section ${name}`, `file.${name}`);
  for (const section of CONFIG_SECTIONS) {
    const tables = payload[section.name];
    if (!tables || typeof tables !== 'object' || Array.isArray(tables)) throw bad(`the file has no section ${section.name}`, `file.${section.name}`);
    const known = new Set(section.tables.map((t) => t.table));
    for (const table of Object.keys(tables))
      if (!known.has(table)) throw bad(`section ${section.name} has an unknown table ${table}`, `file.${section.name}.${table}`);
    for (const t of section.tables) {
      const at = `file.${section.name}.${t.table}`;
      const rows = tables[t.table];
      if (!Array.isArray(rows)) throw bad(`section ${section.name} has no list of ${t.table}`, at);
      const cols = new Set(await exportedColumns(db, t, header.secretsIncluded));
      const info: ColumnInfo = await db(t.table).columnInfo();
      const seen = new Set<string>();
      rows.forEach((row, i) => {
        if (!row || typeof row !== 'object' || Array.isArray(row)) throw bad(`${t.table} item ${i} is not an object`, `${at}.${i}`);
        for (const [col, v] of Object.entries(row)) {
          if (!cols.has(col)) throw bad(`${t.table} item ${i} has an unknown field ${col}`, `${at}.${i}.${col}`);
          if (v !== null && !['string', 'number', 'boolean'].includes(typeof v))
            throw bad(`${t.table} item ${i}: ${col} is not a plain value`, `${at}.${i}.${col}`);
          if (typeof v === 'string' && v.length > 1024 * 1024) throw bad(`${t.table} item ${i}: ${col} is too long`, `${at}.${i}.${col}`);
          const why = misfit(info[col]!, v);
          if (why) throw bad(`${t.table} item ${i}: ${col} ${why}`, `${at}.${i}.${col}`);
        }
        for (const k of t.primaryKey) if (row[k] === null || row[k] === undefined) throw bad(`${t.table} item ${i} has no ${k}`, `${at}.${i}.${k}`);
        const key = keyOf(t, row);
        if (seen.has(key)) throw bad(`${t.table} item ${i} repeats the key ${key}`, `${at}.${i}`);
        seen.add(key);
      });
      if (t.table === 'settings')
        rows.forEach((row, i) => {
          if (!(String(row.key) in CONFIG_SETTINGS))
            throw bad(`settings item ${i} is ${String(row.key)}, not a setting a configuration holds`, `${at}.${i}.key`);
          try {
            JSON.parse(String(row.value));
          } catch {
            throw bad(`settings item ${i} (${String(row.key)}) is not JSON`, `${at}.${i}.value`);
          }
        });
    }
  }
  // Names of users, groups and roles are unique whatever their case (migration 004's indexes).
  for (const [table, col] of [
    ['users', 'username'],
    ['groups', 'name'],
    ['roles', 'name'],
  ] as const) {
    const seen = new Set<string>();
    payload.iam![table]!.forEach((r, i) => {
      const name = String(r[col]).trim().toLowerCase();
      if (seen.has(name))
        throw bad(`${table} item ${i}: ${String(r[col])} is named twice (names are unique whatever their case)`, `file.iam.${table}.${i}.${col}`);
      seen.add(name);
    });
  }
  const ids = (section: string, table: string, col = 'id') => new Set(payload[section]![table]!.map((r) => String(r[col])));
  const users = ids('iam', 'users');
  const groups = ids('iam', 'groups');
  const roles = ids('iam', 'roles');
  const connections = ids('protection', 'ssh_connections');
  const refs: [string, string, string, Set<string>][] = [
    ['iam', 'group_members', 'group_id', groups],
    ['iam', 'group_members', 'user_id', users],
    ['iam', 'role_permissions', 'role_id', roles],
    ['iam', 'user_roles', 'user_id', users],
    ['iam', 'user_roles', 'role_id', roles],
    ['iam', 'group_roles', 'group_id', groups],
    ['iam', 'group_roles', 'role_id', roles],
    ['shares', 'smb_users', 'user_id', users],
    ['protection', 'replication_tasks', 'connection_id', connections],
  ];
  for (const [section, table, col, targets] of refs)
    payload[section]![table]!.forEach((r, i) => {
      if (r[col] !== null && r[col] !== undefined && !targets.has(String(r[col])))
        throw bad(`${table} item ${i}: ${col} ${String(r[col])} is not in the file`, `file.${section}.${table}.${i}.${col}`);
    });
}

// ---------------------------------------------------------------- the preview

interface Change {
  name: string;
  title: string;
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: number;
}

async function preview(db: Knex, payload: ConfigPayload, secrets: boolean): Promise<{ sections: Change[]; warnings: string[] }> {
  const current = await readPayload(db, secrets);
  const sections: Change[] = [];
  for (const section of CONFIG_SECTIONS) {
    const change: Change = { name: section.name, title: section.title, added: [], changed: [], removed: [], unchanged: 0 };
    for (const t of section.tables) {
      const mine = new Map(current[section.name]![t.table]!.map((r) => [keyOf(t, r), r]));
      const theirs = new Map(payload[section.name]![t.table]!.map((r) => [keyOf(t, r), r]));
      const label = (r: Row) =>
        t.label
          ? `${t.table === 'settings' ? '' : `${t.table}: `}${String(r[t.label] ?? '') || keyOf(t, r)}`
          : `${t.table} ${keyOf(t, r).replace('\u0000', '/')}`;
      for (const [k, r] of theirs) {
        const was = mine.get(k);
        if (!was) change.added.push(label(r));
        else if (Object.keys(r).some((col) => !same(r[col], was[col]))) change.changed.push(label(r));
        else change.unchanged++;
      }
      for (const [k, r] of mine) if (!theirs.has(k)) change.removed.push(label(r));
    }
    sections.push(change);
  }
  const warnings: string[] = [];
  if (!secrets) {
    const newUsers = payload.iam!.users!.filter((u) => !current.iam!.users!.some((m) => same(m.id, u.id)));
    if (newUsers.length)
      warnings.push(
        `The file holds no passwords (it is not encrypted): ${newUsers.map((u) => String(u.username)).join(', ')} will have no usable password until an administrator sets one.`,
      );
    warnings.push("Secrets are not in this file (it is not encrypted): each item keeps this appliance's secret; a new item gets none and must be given one.");
  }
  if (payload.protection!.ssh_connections!.length)
    warnings.push('SSH connections keep their key file path: on another appliance their private keys are not there, make new keys for them.');
  return { sections, warnings };
}

const sentence = (sections: Change[]) => {
  const n = (k: 'added' | 'changed' | 'removed') => sections.reduce((a, s) => a + s[k].length, 0);
  return `${n('added')} to add, ${n('changed')} to change, ${n('removed')} to remove, ${sections.reduce((a, s) => a + s.unchanged, 0)} unchanged`;
};

// ---------------------------------------------------------------- restoring

/** Secrets the file does not carry: this appliance's, by row key (and, inside settings, by item name). */
function keepSecrets(t: ConfigTable, row: Row, was: Row | undefined): Row {
  const out = { ...row };
  if (t.table === 'settings') {
    const spec = CONFIG_SETTINGS[String(row.key)]?.secrets;
    if (!spec) return out;
    const doc = JSON.parse(String(row.value)) as Record<string, Row[]>;
    const old = was ? (JSON.parse(String(was.value)) as Record<string, Row[]>) : {};
    for (const { list, fields } of spec) {
      if (!Array.isArray(doc[list])) continue;
      // An item whose secret is neither in the file nor here cannot be rendered: it is left out.
      doc[list] = doc[list]!.map((item) => {
        const mine = (old[list] ?? []).find((o) => o.name === item.name);
        return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, fields.includes(k) && (v === null || v === undefined) ? (mine?.[k] ?? null) : v]));
      }).filter((item) => fields.every((f) => item[f] !== null && item[f] !== undefined));
    }
    out.value = JSON.stringify(doc);
    return out;
  }
  for (const col of t.secrets ?? []) if (!(col in out)) out[col] = was ? was[col] : null;
  return out;
}

interface Applied {
  name: string;
  apply: (ctx: Ctx, trx: Knex.Transaction) => Promise<void>;
}

/** The subsystems whose files depend on what changed, each with its own apply step. */
function appliers(changes: Change[], before: { iscsi: Awaited<ReturnType<typeof loadConfs>>; vtls: Set<string> }): Applied[] {
  /** What the restore changes in a section: the preview's names ("smb_shares: finance", a settings key). */
  const changed = (section: string) => {
    const s = changes.find((x) => x.name === section)!;
    return [...s.added, ...s.changed, ...s.removed];
  };
  const touched = (section: string) => changed(section).length > 0;
  const setting = (key: string) => changed('settings').includes(key);
  const out: Applied[] = [];
  if (setting('shares.smb') || changed('shares').some((l) => l.startsWith('smb_')))
    out.push({ name: 'SMB (smb.conf)', apply: (ctx, trx) => applySmb(ctx, trx) });
  if (changed('shares').some((l) => l.startsWith('nfs_'))) out.push({ name: 'NFS (exports)', apply: (ctx, trx) => applyNfs(ctx, trx) });
  if (touched('iscsi') || setting('iscsi.settings') || setting('iscsi.export-disks'))
    out.push({
      name: 'iSCSI targets',
      apply: async (ctx, trx) => {
        const after = await loadConfs(trx);
        await applyIscsi(ctx, trx, before.iscsi, [...new Set([...before.iscsi, ...after].map((t) => t.name))]);
      },
    });
  if (setting('appliance.time')) out.push({ name: 'NTP (chrony.conf)', apply: async (ctx, trx) => applyChrony(ctx, trx, await timeSettings(trx)) });
  if (setting('appliance.snmp')) out.push({ name: 'SNMP (snmpd.conf)', apply: async (ctx, trx) => applySnmpd(ctx, trx, await storedSnmp(trx)) });
  if (touched('backup')) out.push({ name: 'Backup (Bacula)', apply: (ctx, trx) => applyBacula(ctx, trx) });
  if (changed('tape').some((l) => l.startsWith('vtl_')))
    out.push({
      name: 'Virtual tape libraries (mhvtl)',
      apply: async (ctx, trx) => {
        const vtls = await loadVtls(trx);
        // A library new to this appliance gets its cartridges made, as creating it does.
        const media = vtls
          .filter((v) => !before.vtls.has(v.name))
          .flatMap((vtl) => [
            ...dataBarcodes(vtl).map((barcode) => ({ vtl, barcode, type: 'data' as const })),
            ...cleaningBarcodes(vtl).map((barcode) => ({ vtl, barcode, type: 'clean' as const })),
          ]);
        await applyVtls(ctx, vtls, media);
      },
    });
  return out;
}

/** Writes the file's rows: deletes what it lacks (children first), upserts the rest (parents first); state columns are left as they are. */
async function writeRows(trx: Knex.Transaction, payload: ConfigPayload, secrets: boolean): Promise<void> {
  const current = new Map<string, Map<string, Row>>();
  for (const t of CONFIG_TABLES) {
    const rows: Row[] = await trx(t.table).select('*');
    current.set(t.table, new Map(rows.filter((r) => t.table !== 'settings' || String(r.key) in CONFIG_SETTINGS).map((r) => [keyOf(t, r), r])));
  }
  const rowsOf = (t: ConfigTable) => CONFIG_SECTIONS.flatMap((s) => (payload[s.name]?.[t.table] ? payload[s.name]![t.table]! : []));
  for (const t of [...CONFIG_TABLES].reverse()) {
    const keep = new Set(rowsOf(t).map((r) => keyOf(t, r)));
    for (const [k, r] of current.get(t.table)!) {
      if (keep.has(k)) continue;
      await trx(t.table)
        .where(Object.fromEntries(t.primaryKey.map((col) => [col, r[col]])))
        .delete();
    }
  }
  for (const t of CONFIG_TABLES) {
    for (const row of rowsOf(t)) {
      const was = current.get(t.table)!.get(keyOf(t, row));
      const full = secrets ? row : keepSecrets(t, row, was);
      if (t.table === 'users' && (full.password_hash === null || full.password_hash === undefined))
        full.password_hash = await hashPassword(crypto.randomBytes(24).toString('base64'));
      if (t.table === 'objectstore_settings' && (full.secret_key === null || full.secret_key === undefined)) full.secret_key = '';
      const where = Object.fromEntries(t.primaryKey.map((col) => [col, full[col]]));
      if (was) {
        const patch = Object.fromEntries(Object.entries(full).filter(([col]) => !t.primaryKey.includes(col)));
        if (Object.keys(patch).length) await trx(t.table).where(where).update(patch);
      } else {
        await trx(t.table).insert(full);
      }
    }
  }
  if (isPostgres(trx))
    for (const t of CONFIG_TABLES.filter((x) => x.serial))
      await trx.raw(`SELECT setval(pg_get_serial_sequence(?, 'id'), COALESCE((SELECT MAX(id) FROM ??), 0) + 1, false)`, [t.table, t.table]);
}

/** The restoring administrator keeps their login, password and Admin role; other sessions end. */
async function keepRestorer(ctx: Ctx, trx: Knex.Transaction, me: Row | null): Promise<void> {
  if (!me) {
    await trx('sessions').delete();
    return;
  }
  const mine = await trx('users')
    .whereRaw('lower(username) = ?', [String(me.username).toLowerCase()])
    .first();
  let id: number;
  if (mine) {
    id = Number(mine.id);
    await trx('users').where({ id }).update({ password_hash: me.password_hash, enabled: true });
  } else {
    const clash = await trx('users').where({ id: me.id }).first();
    const row: Row = { ...me, enabled: true };
    if (clash) delete row.id;
    const [inserted] = await trx('users').insert(row).returning('id');
    id = clash ? Number(typeof inserted === 'object' ? (inserted as Row).id : inserted) : Number(me.id);
  }
  let admin = await trx('roles').where({ name: 'Admin' }).first();
  if (!admin) {
    const [made] = await trx('roles').insert({ name: 'Admin', description: 'Everything', builtin: true, created_at: nowIso() }).returning('id');
    admin = { id: typeof made === 'object' ? (made as Row).id : made };
  }
  await trx('user_roles').insert({ user_id: id, role_id: admin.id }).onConflict(['user_id', 'role_id']).ignore();
  const session = ctx.actor?.kind === 'user' ? ctx.actor.sessionId : undefined;
  const others = trx('sessions');
  if (session && id === Number(me.id)) others.whereNot({ id: session });
  await others.delete();
}

function restore(ctx: Ctx, opts: ConfigOptions, input: { file: string; passphrase?: string }) {
  return withEveryLock(async () => {
    const { header, payload } = await readConfigFile(input.file, input.passphrase);
    await checkPayload(ctx.db, payload, header);
    const { sections, warnings } = await preview(ctx.db, payload, header.secretsIncluded);
    const before = { iscsi: await loadConfs(ctx.db), vtls: new Set((await loadVtls(ctx.db)).map((v) => v.name)) };
    const me = ctx.actor?.kind === 'user' ? (((await ctx.db('users').where({ id: ctx.actor.id }).first()) as Row | undefined) ?? null) : null;
    const steps = appliers(sections, before);
    const done: Applied[] = [];
    try {
      await ctx.db.transaction(async (trx) => {
        try {
          await writeRows(trx, payload, header.secretsIncluded);
          await keepRestorer(ctx, trx, me);
        } catch (err) {
          // What the checks above let through and the database refuses (two names equal but for case...) is still the file's fault.
          if (err instanceof ServiceError) throw err;
          throw bad(`the file does not fit this appliance's database: ${err instanceof Error ? err.message : String(err)}`, 'file');
        }
        await syncBuiltinRoles(trx, opts.registry);
        for (const step of steps) {
          await step.apply(ctx, trx);
          done.push(step);
        }
      });
    } catch (err) {
      // The database is back as it was: bring the files of the steps that had applied back to it too.
      for (const step of done.reverse())
        await ctx.db
          .transaction((trx) => step.apply(ctx, trx))
          .catch((again: unknown) => ctx.log.error({ err: again, step: step.name }, 'putting back the configuration after a failed restore failed too'));
      throw err;
    }
    opts.scheduler.changed();
    opts.licenses.forget();
    // Monitoring keeps its settings in memory too (intervals, watched services): the restored ones take over.
    const monitoringRow = (await ctx.db('settings').where({ key: 'monitoring.settings' }).first()) as Row | undefined;
    if (monitoringRow) await opts.monitoring.updateSettings(JSON.parse(String(monitoringRow.value)));
    // Every rule restarts (its alerts resolve, to fire again on the restored terms).
    const rules: { id: number }[] = await ctx.db('alert_rules').select('id');
    await opts.monitoring.alerts.rulesChanged(rules.map((r) => Number(r.id)));
    await opts.monitoring.alerts.windowsChanged();
    return {
      header: shown(header),
      sections,
      warnings,
      applied: steps.map((s) => s.name),
      text: `restored: ${sentence(sections)}`,
    };
  });
}

const shown = (h: ConfigHeader) => ({
  formatVersion: h.formatVersion,
  calypsoVersion: h.calypsoVersion,
  createdAt: h.createdAt,
  hostname: h.hostname,
  encrypted: h.encrypted,
  secretsIncluded: h.secretsIncluded,
});

/** The file of the current configuration. */
export async function exportConfig(db: Knex, version: string, now: Date, passphrase?: string) {
  const payload = await readPayload(db, Boolean(passphrase));
  const { text, header } = await writeConfigFile(payload, { calypsoVersion: version, createdAt: now.toISOString(), hostname: os.hostname() }, passphrase);
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return {
    fileName: `calypso-config-${stamp}.json`,
    content: text,
    header: shown(header),
    sections: CONFIG_SECTIONS.map((s) => ({ name: s.name, title: s.title, count: s.tables.reduce((n, t) => n + payload[s.name]![t.table]!.length, 0) })),
  };
}

function listExports(dir: string) {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .filter((n) => EXPORT_NAME.test(n))
    .flatMap((name) => {
      const st = fs.lstatSync(path.join(dir, name));
      return st.isFile() ? [{ name, sizeBytes: st.size, modifiedAt: st.mtime.toISOString() }] : [];
    })
    .sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt) || b.name.length - a.name.length || (a.name < b.name ? 1 : -1));
}

export function registerConfig(registry: Registry, opts: ConfigOptions): void {
  registry.addPermissions(configPermissions);
  registerSupport(registry, opts.version);
  const dir = () => opts.exportDir?.() ?? null;
  registry.add(
    implement(c['appliance.config.export'], (ctx, i) => exportConfig(ctx.db, opts.version(), new Date(ctx.host.now?.() ?? Date.now()), i.passphrase)),
  );
  registry.add(
    implement(c['appliance.config.preview'], async (ctx, i) => {
      const { header, payload } = await readConfigFile(i.file, i.passphrase);
      await checkPayload(ctx.db, payload, header);
      const { sections, warnings } = await preview(ctx.db, payload, header.secretsIncluded);
      return { header: shown(header), sections, warnings, text: `restoring it would make ${sentence(sections)}` };
    }),
  );
  registry.add(implement(c['appliance.config.restore'], (ctx, i) => restore(ctx, opts, i)));
  registry.add(
    implement(c['appliance.config.exports'], async () => {
      const d = dir();
      return { directory: d, items: d ? listExports(d) : [] };
    }),
  );
  registry.add(
    implement(c['appliance.config.exports.write'], async (ctx, i) => {
      const d = dir();
      if (!d) throw new Conflict('this daemon keeps no configuration exports: it was started without a data directory');
      // Unencrypted: a scheduled export holds no secret (no passphrase is stored to seal one).
      const out = await exportConfig(ctx.db, opts.version(), new Date(ctx.host.now?.() ?? Date.now()));
      fs.mkdirSync(d, { recursive: true, mode: 0o700 });
      const st = fs.lstatSync(d);
      if (!st.isDirectory() || st.isSymbolicLink()) throw new Conflict(`${d} is not a directory`);
      let name = out.fileName;
      for (let n = 1; fs.existsSync(path.join(d, name)); n++) name = out.fileName.replace(/\.json$/, `-${n}.json`);
      // wx: never through a link planted at the name, never over a file.
      fs.writeFileSync(path.join(d, name), out.content, { mode: 0o600, flag: 'wx' });
      const all = listExports(d);
      const deleted = all.slice(i.keep).map((f) => f.name);
      for (const f of deleted) fs.unlinkSync(path.join(d, f));
      return { file: all.find((f) => f.name === name)!, deleted };
    }),
  );
}

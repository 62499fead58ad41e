/** SMB (Samba) shares, the SMB service and SMB passwords of Calypso users. */
import type { Knex } from 'knex';
import { z } from 'zod';
import { SambaAdapter, SmbConfError, adoptSmbConf, renderSmbConf, type SmbShareConf } from '../../system/samba/index.js';
import type { Attachment, Attachments } from '../core/attachments.js';
import type { Ctx } from '../core/context.js';
import { Conflict, NotFound, ValidationError } from '../core/errors.js';
import { page } from '../../contracts/list.js';
import { smbPath, smbShareName } from '../../contracts/share-schemas.js';
import { DEFAULT_SHADOW_FORMAT, sharesContracts as c, smbSettingsFields, smbShareFields, type SmbService, type SmbShare } from '../../contracts/shares.js';
import { implement, type Registry } from '../core/registry.js';
import { nowIso, toIsoTime } from '../../contracts/time.js';
import { applyUnit, datasetHolding, fileDrift, registerDrift, writeThenActivate } from './apply.js';
import { DEFAULT_SMB_SETTINGS, SMB_SETTINGS_KEY, readSetting, shareDeployment, writeSetting, type SmbSettings } from './settings.js';

const LOCK = 'smb';
type Row = Record<string, unknown>;
const list = (v: unknown): string[] => JSON.parse(String(v ?? '[]')) as string[];

function toShare(r: Row): SmbShare {
  return {
    name: String(r.name),
    path: String(r.path),
    dataset: String(r.dataset),
    comment: String(r.comment),
    enabled: Boolean(r.enabled),
    readOnly: Boolean(r.read_only),
    browseable: Boolean(r.browseable),
    guestOk: Boolean(r.guest_ok),
    validUsers: list(r.valid_users),
    validGroups: list(r.valid_groups),
    hostsAllow: list(r.hosts_allow),
    hostsDeny: list(r.hosts_deny),
    shadowCopy: r.shadow_format !== null && r.shadow_format !== undefined,
    shadowFormat: String(r.shadow_format ?? DEFAULT_SHADOW_FORMAT),
    recycleBin: Boolean(r.recycle_bin),
    timeMachine: Boolean(r.time_machine),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

function toRow(s: Omit<SmbShare, 'createdAt' | 'updatedAt'>): Row {
  return {
    name: s.name,
    path: s.path,
    dataset: s.dataset,
    comment: s.comment,
    enabled: s.enabled,
    read_only: s.readOnly,
    browseable: s.browseable,
    guest_ok: s.guestOk,
    valid_users: JSON.stringify(s.validUsers),
    valid_groups: JSON.stringify(s.validGroups),
    hosts_allow: JSON.stringify(s.hostsAllow),
    hosts_deny: JSON.stringify(s.hostsDeny),
    shadow_format: s.shadowCopy ? s.shadowFormat : null,
    recycle_bin: s.recycleBin,
    time_machine: s.timeMachine,
  };
}

function toConf(s: SmbShare): SmbShareConf {
  return { ...s, shadowCopy: s.shadowCopy ? { format: s.shadowFormat } : null };
}

async function loadShares(db: Knex): Promise<SmbShare[]> {
  return (await db('smb_shares').orderBy('name')).map(toShare);
}

async function findShare(db: Knex, name: string): Promise<Row | undefined> {
  return db('smb_shares').whereRaw('lower(name) = ?', [name.toLowerCase()]).first();
}

const smbSettings = (db: Knex) => readSetting<SmbSettings>(db, SMB_SETTINGS_KEY, DEFAULT_SMB_SETTINGS);

async function samba(ctx: Ctx, db: Knex): Promise<SambaAdapter> {
  const dep = await shareDeployment(db);
  return new SambaAdapter(ctx.host, { configPath: dep.smbConfPath, serviceManager: dep.serviceManager });
}

/**
 * What smb.conf should say, from the database as `db` (a transaction) sees it. The reads go one after another: a
 * transaction is one connection, which runs one query at a time (pg warns of queries sent while one runs, pg 9 refuses).
 */
async function renderFrom(db: Knex): Promise<{ content: string; path: string; settings: SmbSettings }> {
  const dep = await shareDeployment(db);
  const settings = await smbSettings(db);
  const shares = await loadShares(db);
  try {
    const content = renderSmbConf({ ...settings, extra: dep.smbExtraGlobals }, shares.map(toConf));
    return { content, path: dep.smbConfPath, settings };
  } catch (err) {
    if (err instanceof SmbConfError) throw new ValidationError(err.message);
    throw err;
  }
}

/** Render, testparm, write, reload (when smbd is meant to run); the previous file comes back on failure. */
export async function applySmb(ctx: Ctx, trx: Knex, activate?: (s: SambaAdapter) => Promise<void>): Promise<void> {
  const { content, path, settings } = await renderFrom(trx);
  const tool = await samba(ctx, trx);
  await tool.validate(content);
  const run =
    activate ??
    (async (s: SambaAdapter) => {
      if (settings.enabled) await s.reload();
    });
  await writeThenActivate(ctx, path, content, 0o644, () => run(tool));
}

function checkGuest(s: { guestOk: boolean; validUsers: string[]; validGroups: string[] }): void {
  if (s.guestOk && (s.validUsers.length || s.validGroups.length)) {
    throw new ValidationError('a guest share cannot also restrict valid users or groups', [
      { path: 'guestOk', message: 'turn guest access off, or clear validUsers and validGroups' },
    ]);
  }
}

export function smbAttachments(): (ctx: Ctx, dataset: string) => Promise<Attachment[]> {
  return async (ctx, dataset) => {
    const rows = await ctx.db('smb_shares').where('dataset', dataset).orWhere('dataset', 'like', `${dataset}/%`);
    return rows.map((r: Row) => ({
      kind: 'smb',
      name: String(r.name),
      dataset: String(r.dataset),
      remove: { operation: 'shares.smb.delete', input: { name: String(r.name), confirm: String(r.name) } },
    }));
  };
}

export function registerSmb(registry: Registry, attachments: Attachments): void {
  attachments.register(smbAttachments());

  registry.add(
    implement(c['shares.smb.list'], async (ctx, i) => {
      const needle = i.search?.toLowerCase();
      return page(
        (await loadShares(ctx.db)).filter((s) => !needle || s.name.toLowerCase().includes(needle) || s.path.toLowerCase().includes(needle)),
        i,
      );
    }),
  );
  registry.add(
    implement(c['shares.smb.get'], async (ctx, i) => {
      const row = await findShare(ctx.db, i.name);
      if (!row) throw new NotFound(`no SMB share ${i.name}`);
      return toShare(row);
    }),
  );
  registry.add(
    implement(c['shares.smb.create'], async (ctx, i) => {
      checkGuest(i);
      const { dataset } = await datasetHolding(ctx, i.path);
      return applyUnit(ctx, LOCK, async (trx) => {
        if (await findShare(trx, i.name)) throw new Conflict(`an SMB share named ${i.name} already exists (names are case-insensitive)`);
        const now = nowIso();
        await trx('smb_shares').insert({ ...toRow({ ...i, dataset }), created_at: now, updated_at: now });
        await applySmb(ctx, trx);
        return toShare((await findShare(trx, i.name))!);
      });
    }),
  );
  registry.add(
    implement(c['shares.smb.update'], async (ctx, i) => {
      const held = i.path !== undefined ? await datasetHolding(ctx, i.path) : null;
      return applyUnit(ctx, LOCK, async (trx) => {
        const row = await findShare(trx, i.name);
        if (!row) throw new NotFound(`no SMB share ${i.name}`);
        const current = toShare(row);
        const { name: _name, ...patch } = i;
        const next = {
          ...current,
          ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
          ...(held ? { dataset: held.dataset } : {}),
        } as SmbShare;
        checkGuest(next);
        await trx('smb_shares')
          .where({ id: row.id })
          .update({ ...toRow(next), updated_at: nowIso() });
        await applySmb(ctx, trx);
        return toShare((await findShare(trx, current.name))!);
      });
    }),
  );
  registry.add(
    implement(c['shares.smb.delete'], async (ctx, i) =>
      applyUnit(ctx, LOCK, async (trx) => {
        const row = await findShare(trx, i.name);
        if (!row) throw new NotFound(`no SMB share ${i.name}`);
        await trx('smb_shares').where({ id: row.id }).delete();
        await applySmb(ctx, trx);
        return { ok: true as const };
      }),
    ),
  );

  const serviceState = async (ctx: Ctx): Promise<SmbService> => {
    // One after another: ctx.db may be a transaction (one connection, one query at a time).
    const settings = await smbSettings(ctx.db);
    const dep = await shareDeployment(ctx.db);
    const running = await (await samba(ctx, ctx.db)).running().catch(() => null);
    return { ...settings, running, configPath: dep.smbConfPath };
  };
  registry.add(implement(c['shares.smb.service.get'], (ctx) => serviceState(ctx)));
  registry.add(
    implement(c['shares.smb.service.update'], async (ctx, i) => {
      await applyUnit(ctx, LOCK, async (trx) => {
        const current = await smbSettings(trx);
        await writeSetting(trx, SMB_SETTINGS_KEY, { ...current, ...Object.fromEntries(Object.entries(i).filter(([, v]) => v !== undefined)) });
        await applySmb(ctx, trx);
      });
      return serviceState(ctx);
    }),
  );
  registry.add(
    implement(c['shares.smb.service.enable'], async (ctx) => {
      await applyUnit(ctx, LOCK, async (trx) => {
        await writeSetting(trx, SMB_SETTINGS_KEY, { ...(await smbSettings(trx)), enabled: true });
        await applySmb(ctx, trx, async (s) => {
          await s.start();
          await s.reload();
        });
      });
      return serviceState(ctx);
    }),
  );
  registry.add(
    implement(c['shares.smb.service.disable'], async (ctx) => {
      await applyUnit(ctx, LOCK, async (trx) => {
        await writeSetting(trx, SMB_SETTINGS_KEY, { ...(await smbSettings(trx)), enabled: false });
        await (await samba(ctx, trx)).stop();
      });
      return serviceState(ctx);
    }),
  );
  registry.add(
    implement(c['shares.smb.service.reload'], async (ctx) => {
      await applyUnit(ctx, LOCK, async (trx) => {
        if (!(await smbSettings(trx)).enabled) throw new Conflict('the SMB service is disabled: enable it first');
        await applySmb(ctx, trx);
      });
      return { ok: true as const };
    }),
  );
  registry.add(
    implement(c['shares.smb.sessions'], async (ctx) => {
      if (!(await smbSettings(ctx.db)).enabled) return { sessions: [], openFiles: [] };
      const st = await (await samba(ctx, ctx.db)).status();
      return {
        sessions: st.sessions.map((s) => ({ ...s, shares: s.shares.map((x) => ({ ...x, connectedAt: toIsoTime(x.connectedAt) })) })),
        openFiles: st.openFiles.map((f) => ({ ...f, openedAt: toIsoTime(f.openedAt) })),
      };
    }),
  );

  const drift = async (ctx: Ctx, db: Knex) => {
    const { content, path } = await renderFrom(db);
    return fileDrift(ctx, path, content);
  };
  registerDrift(registry, c['shares.smb.drift'], c['shares.smb.drift.resolve'], {
    lock: LOCK,
    drift,
    repair: async (ctx, trx, action) => {
      const ignored = action === 'adopt' ? await adoptLive(ctx, trx) : [];
      await applySmb(ctx, trx);
      return ignored;
    },
  });

  registry.add(
    implement(c['shares.smb.users.list'], async (ctx, i) => {
      const rows = await ctx
        .db('smb_users')
        .join('users', 'users.id', 'smb_users.user_id')
        .select('users.username', 'smb_users.created_at')
        .orderBy('users.username');
      return page(
        rows.map((r: Row) => ({ username: String(r.username), enabledAt: String(r.created_at) })),
        i,
      );
    }),
  );
  registry.add(
    implement(c['shares.smb.users.set'], async (ctx, i) =>
      applyUnit(ctx, `${LOCK}-users`, async (trx) => {
        const user = await trx('users').where({ username: i.username }).first();
        if (!user) throw new NotFound(`no Calypso user ${i.username}`);
        if (!user.enabled) throw new Conflict(`${i.username} is disabled`);
        const now = nowIso();
        const existing = await trx('smb_users').where({ user_id: user.id }).first();
        if (existing) await trx('smb_users').where({ user_id: user.id }).update({ updated_at: now });
        else await trx('smb_users').insert({ user_id: user.id, created_at: now, updated_at: now });
        await (await samba(ctx, trx)).setPassword(i.username, i.password);
        return { username: i.username, enabledAt: existing ? String(existing.created_at) : now };
      }),
    ),
  );
  registry.add(
    implement(c['shares.smb.users.remove'], async (ctx, i) =>
      applyUnit(ctx, `${LOCK}-users`, async (trx) => {
        const user = await trx('users').where({ username: i.username }).first();
        const row = user ? await trx('smb_users').where({ user_id: user.id }).first() : undefined;
        if (!row) throw new NotFound(`${i.username} has no SMB password`);
        await trx('smb_users').where({ user_id: user.id }).delete();
        await (await samba(ctx, trx)).removeUser(i.username);
        return { ok: true as const };
      }),
    ),
  );
}

/** Replaces shares and global settings with what the live smb.conf says; returns what was dropped. */
async function adoptLive(ctx: Ctx, trx: Knex): Promise<string[]> {
  const dep = await shareDeployment(trx);
  const live = await ctx.host.files.readIfExists(dep.smbConfPath);
  if (live === null) throw new Conflict(`${dep.smbConfPath} does not exist: nothing to adopt`);
  const current = await smbSettings(trx);
  const adopted = adoptSmbConf(live, current, Object.keys(dep.smbExtraGlobals));
  const globals = z.object(smbSettingsFields).safeParse(adopted.globals);
  if (!globals.success)
    throw new ValidationError(
      `the live [global] section cannot be adopted: ${globals.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`,
    );
  const shareInput = z.object({ name: smbShareName, path: smbPath, ...smbShareFields });
  const rows: Row[] = [];
  for (const s of adopted.shares) {
    const parsed = shareInput.safeParse({ ...s, shadowCopy: s.shadowCopy !== null, shadowFormat: s.shadowCopy?.format ?? DEFAULT_SHADOW_FORMAT });
    if (!parsed.success)
      throw new ValidationError(
        `share [${s.name}] in the live smb.conf cannot be adopted: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`,
      );
    checkGuest(parsed.data);
    const { dataset } = await datasetHolding(ctx, parsed.data.path, `${s.name}.path`);
    rows.push(toRow({ ...parsed.data, dataset }));
  }
  const existing = new Map((await trx('smb_shares')).map((r: Row) => [String(r.name).toLowerCase(), r]));
  const now = nowIso();
  const keep = new Set<string>();
  for (const r of rows) {
    const key = String(r.name).toLowerCase();
    keep.add(key);
    const old = existing.get(key);
    if (old)
      await trx('smb_shares')
        .where({ id: old.id })
        .update({ ...r, updated_at: now });
    else await trx('smb_shares').insert({ ...r, created_at: now, updated_at: now });
  }
  for (const [key, r] of existing) if (!keep.has(key)) await trx('smb_shares').where({ id: r.id }).delete();
  await writeSetting(trx, SMB_SETTINGS_KEY, { ...current, ...globals.data });
  return adopted.ignored;
}

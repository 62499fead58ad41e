/** SMB (Samba) shares, the SMB service and SMB passwords of Calypso users. */
import type { Knex } from 'knex';
import { z } from 'zod';
import { SambaAdapter, SmbConfError, adoptSmbConf, renderSmbConf, type SmbShareConf } from '../../system/samba/index.js';
import type { Attachment, Attachments } from '../core/attachments.js';
import type { Ctx } from '../core/context.js';
import { Conflict, NotFound, ValidationError } from '../core/errors.js';
import { listOf, listShape, noInput, page } from '../../contracts/list.js';
import { defineOperation, type Registry } from '../core/registry.js';
import { isoTime, nowIso, toIsoTime } from '../../contracts/time.js';
import { applyUnit, datasetHolding, fileDrift, registerDrift, writeThenActivate } from './apply.js';
import { accountName, hostPattern, shadowFormat, smbPath, smbShareName, smbText } from './schemas.js';
import { DEFAULT_SMB_SETTINGS, SMB_SETTINGS_KEY, readSetting, shareDeployment, writeSetting, type SmbSettings } from './settings.js';
import { USER_NAME } from '../iam/store.js';

const LOCK = 'smb';
const DEFAULT_SHADOW_FORMAT = 'auto-%Y%m%d-%H%M';

const shareFields = {
  comment: smbText(256, 'comment').describe('Description shown to clients'),
  enabled: z.boolean().describe('Offered to clients (available = yes)'),
  readOnly: z.boolean().describe('Clients may only read'),
  browseable: z.boolean().describe('Listed when clients browse the server'),
  guestOk: z.boolean().describe('Clients may connect without a password, as the guest account'),
  validUsers: z.array(accountName).max(100).describe('Only these users may connect (empty: anyone who authenticates)'),
  validGroups: z.array(accountName).max(100).describe('Members of these groups may connect too'),
  hostsAllow: z.array(hostPattern).max(100).describe('Only these hosts or networks may connect (empty: any)'),
  hostsDeny: z.array(hostPattern).max(100).describe('These hosts or networks may not connect'),
  shadowCopy: z.boolean().describe("Show the dataset's ZFS snapshots as Windows Previous Versions (vfs_shadow_copy2)"),
  shadowFormat: shadowFormat,
  recycleBin: z.boolean().describe('Deleted files go to .recycle/USER in the share (vfs_recycle)'),
  timeMachine: z.boolean().describe('Advertise as a macOS Time Machine destination (vfs_fruit)'),
};

const shareSchema = z.object({
  name: z.string().describe('Share name'),
  path: z.string().describe('Shared directory'),
  dataset: z.string().describe('The dataset holding the directory'),
  comment: z.string().describe('Description'),
  enabled: z.boolean().describe('Offered to clients'),
  readOnly: z.boolean().describe('Read only'),
  browseable: z.boolean().describe('Browseable'),
  guestOk: z.boolean().describe('Guest access'),
  validUsers: z.array(z.string()).describe('Allowed users'),
  validGroups: z.array(z.string()).describe('Allowed groups'),
  hostsAllow: z.array(z.string()).describe('Allowed hosts'),
  hostsDeny: z.array(z.string()).describe('Denied hosts'),
  shadowCopy: z.boolean().describe('Snapshots as Previous Versions'),
  shadowFormat: z.string().describe('Snapshot name pattern for Previous Versions'),
  recycleBin: z.boolean().describe('Recycle bin'),
  timeMachine: z.boolean().describe('Time Machine destination'),
  createdAt: isoTime().describe('Created (ISO-8601)'),
  updatedAt: isoTime().describe('Last changed (ISO-8601)'),
});
type Share = z.infer<typeof shareSchema>;

const settingsFields = {
  workgroup: z.string().max(15).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/, 'a NetBIOS workgroup: up to 15 letters, digits, _ . -').describe('Workgroup (NetBIOS domain)'),
  serverString: smbText(200, 'server string').describe('Server description shown to clients'),
  minProtocol: z.enum(['SMB2', 'SMB2_02', 'SMB2_10', 'SMB3', 'SMB3_00', 'SMB3_11']).describe('Oldest SMB dialect accepted (server min protocol)'),
  encryption: z.enum(['off', 'if_required', 'desired', 'required']).describe('Transport encryption (server smb encrypt)'),
};
const serviceSchema = z.object({
  enabled: z.boolean().describe('smbd is meant to run'),
  running: z.boolean().nullable().describe('smbd answers (null: could not tell)'),
  configPath: z.string().describe('The smb.conf Calypso writes'),
  workgroup: z.string().describe('Workgroup'),
  serverString: z.string().describe('Server description'),
  minProtocol: z.string().describe('Oldest SMB dialect accepted'),
  encryption: z.string().describe('Transport encryption'),
});

type Row = Record<string, unknown>;
const list = (v: unknown): string[] => JSON.parse(String(v ?? '[]')) as string[];

function toShare(r: Row): Share {
  return {
    name: String(r.name), path: String(r.path), dataset: String(r.dataset), comment: String(r.comment), enabled: Boolean(r.enabled),
    readOnly: Boolean(r.read_only), browseable: Boolean(r.browseable), guestOk: Boolean(r.guest_ok),
    validUsers: list(r.valid_users), validGroups: list(r.valid_groups), hostsAllow: list(r.hosts_allow), hostsDeny: list(r.hosts_deny),
    shadowCopy: r.shadow_format !== null && r.shadow_format !== undefined, shadowFormat: String(r.shadow_format ?? DEFAULT_SHADOW_FORMAT),
    recycleBin: Boolean(r.recycle_bin), timeMachine: Boolean(r.time_machine), createdAt: String(r.created_at), updatedAt: String(r.updated_at),
  };
}

function toRow(s: Omit<Share, 'createdAt' | 'updatedAt'>): Row {
  return {
    name: s.name, path: s.path, dataset: s.dataset, comment: s.comment, enabled: s.enabled, read_only: s.readOnly, browseable: s.browseable, guest_ok: s.guestOk,
    valid_users: JSON.stringify(s.validUsers), valid_groups: JSON.stringify(s.validGroups), hosts_allow: JSON.stringify(s.hostsAllow), hosts_deny: JSON.stringify(s.hostsDeny),
    shadow_format: s.shadowCopy ? s.shadowFormat : null, recycle_bin: s.recycleBin, time_machine: s.timeMachine,
  };
}

function toConf(s: Share): SmbShareConf {
  return { ...s, shadowCopy: s.shadowCopy ? { format: s.shadowFormat } : null };
}

async function loadShares(db: Knex): Promise<Share[]> {
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

/** What smb.conf should say, from the database as `db` (a transaction) sees it. */
async function renderFrom(db: Knex): Promise<{ content: string; path: string; settings: SmbSettings }> {
  const [dep, settings, shares] = await Promise.all([shareDeployment(db), smbSettings(db), loadShares(db)]);
  try {
    const content = renderSmbConf({ ...settings, extra: dep.smbExtraGlobals }, shares.map(toConf));
    return { content, path: dep.smbConfPath, settings };
  } catch (err) {
    if (err instanceof SmbConfError) throw new ValidationError(err.message);
    throw err;
  }
}

/** Render, testparm, write, reload (when smbd is meant to run); the previous file comes back on failure. */
async function applySmb(ctx: Ctx, trx: Knex, activate?: (s: SambaAdapter) => Promise<void>): Promise<void> {
  const { content, path, settings } = await renderFrom(trx);
  const tool = await samba(ctx, trx);
  await tool.validate(content);
  const run = activate ?? (async (s: SambaAdapter) => {
    if (settings.enabled) await s.reload();
  });
  await writeThenActivate(ctx, path, content, 0o644, () => run(tool));
}

function checkGuest(s: { guestOk: boolean; validUsers: string[]; validGroups: string[] }): void {
  if (s.guestOk && (s.validUsers.length || s.validGroups.length)) {
    throw new ValidationError('a guest share cannot also restrict valid users or groups', [{ path: 'guestOk', message: 'turn guest access off, or clear validUsers and validGroups' }]);
  }
}

export function smbAttachments(): (ctx: Ctx, dataset: string) => Promise<Attachment[]> {
  return async (ctx, dataset) => {
    const rows = await ctx.db('smb_shares').where('dataset', dataset).orWhere('dataset', 'like', `${dataset}/%`);
    return rows.map((r: Row) => ({
      kind: 'smb', name: String(r.name), dataset: String(r.dataset),
      remove: { operation: 'shares.smb.delete', input: { name: String(r.name), confirm: String(r.name) } },
    }));
  };
}

export function registerSmb(registry: Registry, attachments: Attachments): void {
  attachments.register(smbAttachments());
  const ok = z.object({ ok: z.literal(true).describe('Done') });

  registry.add(defineOperation({
    name: 'shares.smb.list', summary: 'List SMB shares', permission: 'shares.read', mutating: false,
    input: z.object({ ...listShape, search: z.string().max(80).optional().describe('Part of the name or path') }),
    output: listOf(shareSchema),
    http: { method: 'GET', path: '/shares/smb' },
    handler: async (ctx, i) => {
      const needle = i.search?.toLowerCase();
      return page((await loadShares(ctx.db)).filter((s) => !needle || s.name.toLowerCase().includes(needle) || s.path.toLowerCase().includes(needle)), i);
    },
  }));
  registry.add(defineOperation({
    name: 'shares.smb.get', summary: 'Show an SMB share', permission: 'shares.read', mutating: false,
    input: z.object({ name: z.string().max(80).describe('Share name') }), output: shareSchema,
    http: { method: 'GET', path: '/shares/smb/:name' },
    handler: async (ctx, i) => {
      const row = await findShare(ctx.db, i.name);
      if (!row) throw new NotFound(`no SMB share ${i.name}`);
      return toShare(row);
    },
  }));
  registry.add(defineOperation({
    name: 'shares.smb.create', summary: 'Create an SMB share', permission: 'shares.write', mutating: true,
    input: z.object({
      name: smbShareName, path: smbPath,
      comment: shareFields.comment.default(''), enabled: shareFields.enabled.default(true), readOnly: shareFields.readOnly.default(false),
      browseable: shareFields.browseable.default(true), guestOk: shareFields.guestOk.default(false),
      validUsers: shareFields.validUsers.default([]), validGroups: shareFields.validGroups.default([]),
      hostsAllow: shareFields.hostsAllow.default([]), hostsDeny: shareFields.hostsDeny.default([]),
      shadowCopy: shareFields.shadowCopy.default(false), shadowFormat: shareFields.shadowFormat.default(DEFAULT_SHADOW_FORMAT),
      recycleBin: shareFields.recycleBin.default(false), timeMachine: shareFields.timeMachine.default(false),
    }),
    output: shareSchema, target: (i) => i.name,
    http: { method: 'POST', path: '/shares/smb' },
    handler: async (ctx, i) => {
      checkGuest(i);
      const { dataset } = await datasetHolding(ctx, i.path);
      return applyUnit(ctx, LOCK, async (trx) => {
        if (await findShare(trx, i.name)) throw new Conflict(`an SMB share named ${i.name} already exists (names are case-insensitive)`);
        const now = nowIso();
        await trx('smb_shares').insert({ ...toRow({ ...i, dataset }), created_at: now, updated_at: now });
        await applySmb(ctx, trx);
        return toShare((await findShare(trx, i.name))!);
      });
    },
  }));
  registry.add(defineOperation({
    name: 'shares.smb.update', summary: 'Change an SMB share', permission: 'shares.write', mutating: true,
    input: z.object({
      name: z.string().max(80).describe('Share name'), path: smbPath.optional(),
      ...Object.fromEntries(Object.entries(shareFields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof shareFields]: z.ZodOptional<(typeof shareFields)[K]> },
    }),
    output: shareSchema, target: (i) => i.name,
    http: { method: 'PATCH', path: '/shares/smb/:name' },
    handler: async (ctx, i) => {
      const held = i.path !== undefined ? await datasetHolding(ctx, i.path) : null;
      return applyUnit(ctx, LOCK, async (trx) => {
        const row = await findShare(trx, i.name);
        if (!row) throw new NotFound(`no SMB share ${i.name}`);
        const current = toShare(row);
        const { name: _name, ...patch } = i;
        const next = { ...current, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)), ...(held ? { dataset: held.dataset } : {}) } as Share;
        checkGuest(next);
        await trx('smb_shares').where({ id: row.id }).update({ ...toRow(next), updated_at: nowIso() });
        await applySmb(ctx, trx);
        return toShare((await findShare(trx, current.name))!);
      });
    },
  }));
  registry.add(defineOperation({
    name: 'shares.smb.delete', summary: 'Delete an SMB share (the files stay)', permission: 'shares.write', mutating: true, dangerous: true,
    input: z.object({ name: z.string().max(80).describe('Share name') }), output: ok, target: (i) => i.name,
    http: { method: 'DELETE', path: '/shares/smb/:name' },
    handler: async (ctx, i) => applyUnit(ctx, LOCK, async (trx) => {
      const row = await findShare(trx, i.name);
      if (!row) throw new NotFound(`no SMB share ${i.name}`);
      await trx('smb_shares').where({ id: row.id }).delete();
      await applySmb(ctx, trx);
      return { ok: true as const };
    }),
  }));

  const serviceState = async (ctx: Ctx): Promise<z.infer<typeof serviceSchema>> => {
    const [settings, dep] = await Promise.all([smbSettings(ctx.db), shareDeployment(ctx.db)]);
    const running = await (await samba(ctx, ctx.db)).running().catch(() => null);
    return { ...settings, running, configPath: dep.smbConfPath };
  };
  registry.add(defineOperation({
    name: 'shares.smb.service.get', summary: 'SMB service: state and global settings', permission: 'shares.read', mutating: false,
    input: noInput, output: serviceSchema,
    http: { method: 'GET', path: '/shares/smb-service' },
    handler: (ctx) => serviceState(ctx),
  }));
  registry.add(defineOperation({
    name: 'shares.smb.service.update', summary: 'Change the SMB global settings', permission: 'shares.admin', mutating: true,
    input: z.object(Object.fromEntries(Object.entries(settingsFields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof settingsFields]: z.ZodOptional<(typeof settingsFields)[K]> }),
    output: serviceSchema,
    http: { method: 'PATCH', path: '/shares/smb-service' },
    handler: async (ctx, i) => {
      await applyUnit(ctx, LOCK, async (trx) => {
        const current = await smbSettings(trx);
        await writeSetting(trx, SMB_SETTINGS_KEY, { ...current, ...Object.fromEntries(Object.entries(i).filter(([, v]) => v !== undefined)) });
        await applySmb(ctx, trx);
      });
      return serviceState(ctx);
    },
  }));
  registry.add(defineOperation({
    name: 'shares.smb.service.enable', summary: 'Start the SMB service (and start it at boot)', permission: 'shares.admin', mutating: true,
    input: noInput, output: serviceSchema,
    http: { method: 'POST', path: '/shares/smb-service/enable' },
    handler: async (ctx) => {
      await applyUnit(ctx, LOCK, async (trx) => {
        await writeSetting(trx, SMB_SETTINGS_KEY, { ...(await smbSettings(trx)), enabled: true });
        await applySmb(ctx, trx, async (s) => {
          await s.start();
          await s.reload();
        });
      });
      return serviceState(ctx);
    },
  }));
  registry.add(defineOperation({
    name: 'shares.smb.service.disable', summary: 'Stop the SMB service (and keep it stopped at boot)', permission: 'shares.admin', mutating: true,
    input: noInput, output: serviceSchema,
    http: { method: 'POST', path: '/shares/smb-service/disable' },
    handler: async (ctx) => {
      await applyUnit(ctx, LOCK, async (trx) => {
        await writeSetting(trx, SMB_SETTINGS_KEY, { ...(await smbSettings(trx)), enabled: false });
        await (await samba(ctx, trx)).stop();
      });
      return serviceState(ctx);
    },
  }));
  registry.add(defineOperation({
    name: 'shares.smb.service.reload', summary: 'Rewrite smb.conf and make smbd reread it', permission: 'shares.admin', mutating: true,
    input: noInput, output: ok,
    http: { method: 'POST', path: '/shares/smb-service/reload' },
    handler: async (ctx) => {
      await applyUnit(ctx, LOCK, async (trx) => {
        if (!(await smbSettings(trx)).enabled) throw new Conflict('the SMB service is disabled: enable it first');
        await applySmb(ctx, trx);
      });
      return { ok: true as const };
    },
  }));
  registry.add(defineOperation({
    name: 'shares.smb.sessions', summary: 'SMB sessions and open files', permission: 'shares.read', mutating: false,
    input: noInput,
    output: z.object({
      sessions: z.array(z.object({
        sessionId: z.string().describe('Session id'), username: z.string().describe('User'), group: z.string().describe('Primary group'),
        remoteMachine: z.string().describe('Client address or name'), dialect: z.string().describe('SMB dialect'),
        encryption: z.string().describe('Encryption degree'), signing: z.string().describe('Signing degree'),
        shares: z.array(z.object({ share: z.string().describe('Share'), connectedAt: isoTime().nullable().describe('Connected at (null if smbstatus printed no readable time)') })).describe('Shares in use'),
      })).describe('Logged-in clients'),
      openFiles: z.array(z.object({
        path: z.string().describe('Full path'), share: z.string().describe('Share'), filename: z.string().describe('Path inside the share'),
        uid: z.number().nullable().describe('Unix uid of the opener'), access: z.string().describe('R, W or RW'), openedAt: isoTime().nullable().describe('Opened at (null if smbstatus printed no readable time)'),
      })).describe('Files open over SMB'),
    }),
    http: { method: 'GET', path: '/shares/smb-service/sessions' },
    handler: async (ctx) => {
      if (!(await smbSettings(ctx.db)).enabled) return { sessions: [], openFiles: [] };
      const st = await (await samba(ctx, ctx.db)).status();
      return {
        sessions: st.sessions.map((s) => ({ ...s, shares: s.shares.map((x) => ({ ...x, connectedAt: toIsoTime(x.connectedAt) })) })),
        openFiles: st.openFiles.map((f) => ({ ...f, openedAt: toIsoTime(f.openedAt) })),
      };
    },
  }));

  const drift = async (ctx: Ctx, db: Knex) => {
    const { content, path } = await renderFrom(db);
    return fileDrift(ctx, path, content);
  };
  registerDrift(registry, {
    name: 'shares.smb.drift', path: '/shares/smb-service/drift', readPermission: 'shares.read', adminPermission: 'shares.admin', lock: LOCK,
    summary: 'Compare the live smb.conf with what Calypso would write',
    resolveSummary: 'Repair smb.conf drift: adopt the live file or overwrite it',
    ignoredDescription: 'Live parameters Calypso does not manage (dropped on adopt)',
    drift,
    repair: async (ctx, trx, action) => {
      const ignored = action === 'adopt' ? await adoptLive(ctx, trx) : [];
      await applySmb(ctx, trx);
      return ignored;
    },
  });

  const smbUserSchema = z.object({ username: z.string().describe('Calypso user'), enabledAt: isoTime().describe('When SMB was enabled for the user: its SMB password first set (ISO-8601)') });
  registry.add(defineOperation({
    name: 'shares.smb.users.list', summary: 'Calypso users who may use SMB', permission: 'shares.read', mutating: false,
    input: z.object({ ...listShape }), output: listOf(smbUserSchema),
    http: { method: 'GET', path: '/shares/smb-users' },
    handler: async (ctx, i) => {
      const rows = await ctx.db('smb_users').join('users', 'users.id', 'smb_users.user_id').select('users.username', 'smb_users.created_at').orderBy('users.username');
      return page(rows.map((r: Row) => ({ username: String(r.username), enabledAt: String(r.created_at) })), i);
    },
  }));
  registry.add(defineOperation({
    name: 'shares.smb.users.set', summary: "Set a Calypso user's SMB password (allows them to use SMB)", permission: 'shares.admin', mutating: true,
    input: z.object({
      username: z.string().max(32).regex(USER_NAME, 'a Calypso login name').describe('Calypso user'),
      password: z.string().min(8).max(128).regex(/^[^\r\n\0]*$/, 'one line').describe('SMB password (kept by Samba only, never by Calypso)'),
    }),
    output: smbUserSchema, target: (i) => i.username,
    http: { method: 'POST', path: '/shares/smb-users' },
    handler: async (ctx, i) => applyUnit(ctx, `${LOCK}-users`, async (trx) => {
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
  }));
  registry.add(defineOperation({
    name: 'shares.smb.users.remove', summary: "Remove a user's SMB password (they can no longer use SMB)", permission: 'shares.admin', mutating: true, dangerous: true,
    input: z.object({ username: z.string().max(64).describe('Calypso user') }), output: ok, target: (i) => i.username,
    http: { method: 'DELETE', path: '/shares/smb-users/:username' },
    handler: async (ctx, i) => applyUnit(ctx, `${LOCK}-users`, async (trx) => {
      const user = await trx('users').where({ username: i.username }).first();
      const row = user ? await trx('smb_users').where({ user_id: user.id }).first() : undefined;
      if (!row) throw new NotFound(`${i.username} has no SMB password`);
      await trx('smb_users').where({ user_id: user.id }).delete();
      await (await samba(ctx, trx)).removeUser(i.username);
      return { ok: true as const };
    }),
  }));
}

/** Replaces shares and global settings with what the live smb.conf says; returns what was dropped. */
async function adoptLive(ctx: Ctx, trx: Knex): Promise<string[]> {
  const dep = await shareDeployment(trx);
  const live = await ctx.host.files.readIfExists(dep.smbConfPath);
  if (live === null) throw new Conflict(`${dep.smbConfPath} does not exist: nothing to adopt`);
  const current = await smbSettings(trx);
  const adopted = adoptSmbConf(live, current, Object.keys(dep.smbExtraGlobals));
  const globals = z.object(settingsFields).safeParse(adopted.globals);
  if (!globals.success) throw new ValidationError(`the live [global] section cannot be adopted: ${globals.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
  const shareInput = z.object({ name: smbShareName, path: smbPath, ...shareFields });
  const rows: Row[] = [];
  for (const s of adopted.shares) {
    const parsed = shareInput.safeParse({ ...s, shadowCopy: s.shadowCopy !== null, shadowFormat: s.shadowCopy?.format ?? DEFAULT_SHADOW_FORMAT });
    if (!parsed.success) throw new ValidationError(`share [${s.name}] in the live smb.conf cannot be adopted: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
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
    if (old) await trx('smb_shares').where({ id: old.id }).update({ ...r, updated_at: now });
    else await trx('smb_shares').insert({ ...r, created_at: now, updated_at: now });
  }
  for (const [key, r] of existing) if (!keep.has(key)) await trx('smb_shares').where({ id: r.id }).delete();
  await writeSetting(trx, SMB_SETTINGS_KEY, { ...current, ...globals.data });
  return adopted.ignored;
}

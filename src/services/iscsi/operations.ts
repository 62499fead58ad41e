/**
 * iSCSI (SRS-03): targets with portals, initiator groups, CHAP and LUNs on zvols, files or disks.
 * Rendered to scst.conf and applied with scstadmin, or applied to tgt with tgtadm (a setting).
 * CHAP secrets are stored for rendering but never leave the service: outputs say only whether one is set.
 */
import type { Knex } from 'knex';
import { ScstAdapter, redactScstConf, renderScstConf, type IscsiTargetConf } from '../../system/scst/index.js';
import { ScstConfParseError, parseScstConf, type ParsedScstConf } from '../../system/scst/parse.js';
import { BackingFileAdapter, isRegularFile } from '../../system/scst/backing.js';
import { TgtAdapter } from '../../system/tgt/index.js';
import { ZfsAdapter } from '../../system/zfs/index.js';
import {
  iscsiContracts as c,
  iscsiPermissions,
  targetInput,
  type IscsiLun,
  type IscsiSettings,
  type IscsiTarget,
  type LunInput,
} from '../../contracts/iscsi.js';
import { page } from '../../contracts/list.js';
import { nowIso } from '../../contracts/time.js';
import type { Attachment, Attachments } from '../core/attachments.js';
import type { Ctx } from '../core/context.js';
import { Conflict, NotFound, ValidationError } from '../core/errors.js';
import {
  checkDiskBacking,
  describeDisks,
  diskCandidates,
  markDisk,
  readMarks,
  requireDiskPermission,
  unmarkDisk,
  type DiskCandidate,
  type ExportMark,
} from './disks.js';
import { implement, type Registry } from '../core/registry.js';
import { applyUnit, datasetHolding, fileDrift, registerDrift, writeThenActivate } from '../shares/apply.js';
import { DEFAULT_ISCSI_SETTINGS, ISCSI_SETTINGS_KEY, readSetting, shareDeployment, writeSetting } from '../shares/settings.js';

const LOCK = 'iscsi';
type Row = Record<string, unknown>;

function toTarget(r: Row): IscsiTarget {
  return {
    name: String(r.name),
    alias: String(r.alias),
    enabled: Boolean(r.enabled),
    portals: JSON.parse(String(r.portals)),
    chap: r.chap_user ? { user: String(r.chap_user), secretSet: true } : null,
    mutualChap: r.mutual_user ? { user: String(r.mutual_user), secretSet: true } : null,
    groups: JSON.parse(String(r.groups)),
    luns: JSON.parse(String(r.luns)),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

type Chap = { user: string; secret: string } | null;

/** The stored CHAP and mutual CHAP credentials of a target row (secrets included: for rendering only). */
function storedChap(r: Row): { chap: Chap; mutualChap: Chap } {
  return {
    chap: r.chap_user ? { user: String(r.chap_user), secret: String(r.chap_secret) } : null,
    mutualChap: r.mutual_user ? { user: String(r.mutual_user), secret: String(r.mutual_secret) } : null,
  };
}

/** The CHAP columns of a target row. */
function chapColumns(chap: Chap | undefined, mutualChap: Chap | undefined): Row {
  return { chap_user: chap?.user ?? null, chap_secret: chap?.secret ?? null, mutual_user: mutualChap?.user ?? null, mutual_secret: mutualChap?.secret ?? null };
}

function toConf(r: Row): IscsiTargetConf {
  const t = toTarget(r);
  return {
    name: t.name,
    alias: t.alias,
    enabled: t.enabled,
    relTgtId: Number(r.id),
    portals: t.portals,
    ...storedChap(r),
    groups: t.groups,
    luns: t.luns.map((l) => ({
      lun: l.lun,
      device: `t${String(r.id)}_lun${l.lun}`,
      backingType: l.type,
      backingPath: l.path,
      readOnly: l.readOnly,
      group: l.group,
      enabled: l.enabled,
    })),
  };
}

const settingsOf = (db: Knex) => readSetting<IscsiSettings>(db, ISCSI_SETTINGS_KEY, DEFAULT_ISCSI_SETTINGS);

/**
 * A file backing (issue 19): it lies in a mounted dataset of an imported pool (not a system
 * directory, not the root filesystem), reached without any symbolic link, and is never shortened. An existing file keeps its size unless
 * `sizeBytes` grows it; a smaller `sizeBytes` is refused (truncate would cut the data off).
 * Returns the size to grow to, or null when nothing is to be done.
 */
async function checkFileBacking(ctx: Ctx, path: string, sizeBytes: number | undefined, field: string): Promise<{ dataset: string; grow: number | null }> {
  // datasetHolding also refuses system directories and paths through symbolic links.
  const { dataset } = await datasetHolding(ctx, path, field);
  const current = await new BackingFileAdapter(ctx.host).stat(path);
  if (current === null) {
    if (sizeBytes === undefined)
      throw new ValidationError(`${path} does not exist: give sizeBytes to create it`, [
        { path: field.replace(/\.path$/, '.sizeBytes'), message: 'required to create the file' },
      ]);
    return { dataset, grow: sizeBytes };
  }
  if (!isRegularFile(current)) throw new ValidationError(`${path} is a ${current.kind}, not a regular file`, [{ path: field, message: 'not a regular file' }]);
  if (sizeBytes !== undefined && sizeBytes < current.sizeBytes) {
    throw new Conflict(
      `${path} holds ${current.sizeBytes} bytes; a LUN never shortens its file (${sizeBytes} would cut off its data). Give at least ${current.sizeBytes}, or leave sizeBytes out`,
    );
  }
  return { dataset, grow: sizeBytes !== undefined && sizeBytes > current.sizeBytes ? sizeBytes : null };
}

/**
 * Resolves and checks LUN backings (zvols exist, files lie in datasets and only grow, disks are
 * blank, unpooled and marked) before anything is written. `db`: the transaction, when inside one
 * (SQLite has one connection). `current`: the target's LUNs now, so a
 * disk LUN it already has is not "added" (adding one needs iscsi.disks, checked before any command).
 */
async function resolveLuns(
  ctx: Ctx,
  input: LunInput[],
  groups: { name: string }[],
  current: IscsiLun[] = [],
  db: Knex = ctx.db,
): Promise<{ stored: IscsiLun[]; grow: { path: string; size: number }[] }> {
  requireDiskPermission(
    ctx,
    input.some((l) => {
      const b = l.backing;
      return b.type === 'disk' && !current.some((c) => c.lun === l.lun && c.type === 'disk' && c.path === b.path);
    }),
  );
  const seen = new Set<number>();
  const stored: IscsiLun[] = [];
  const grow: { path: string; size: number }[] = [];
  let volumes: Set<string> | null = null;
  let disks: { candidates: DiskCandidate[]; marks: ExportMark[] } | null = null;
  for (const [i, l] of input.entries()) {
    if (seen.has(l.lun)) throw new ValidationError(`LUN ${l.lun} is listed twice`, [{ path: `luns.${i}.lun`, message: 'duplicate LUN number' }]);
    seen.add(l.lun);
    if (l.group !== null && !groups.some((g) => g.name === l.group))
      throw new ValidationError(`LUN ${l.lun} is mapped to ${l.group}, which is not an initiator group of this target`, [
        { path: `luns.${i}.group`, message: 'unknown initiator group' },
      ]);
    const base = { lun: l.lun, group: l.group, readOnly: l.readOnly, enabled: l.enabled };
    if (l.backing.type === 'zvol') {
      volumes ??= new Set((await new ZfsAdapter(ctx.host).listDatasets({ types: ['volume'] })).map((d) => d.name));
      if (!volumes.has(l.backing.zvol))
        throw new ValidationError(`${l.backing.zvol} is not a zvol`, [{ path: `luns.${i}.backing.zvol`, message: 'no such zvol' }]);
      stored.push({ ...base, type: 'zvol', path: `/dev/zvol/${l.backing.zvol}`, dataset: l.backing.zvol });
    } else if (l.backing.type === 'file') {
      const { dataset, grow: size } = await checkFileBacking(ctx, l.backing.path, l.backing.sizeBytes, `luns.${i}.backing.path`);
      if (size !== null) grow.push({ path: l.backing.path, size });
      stored.push({ ...base, type: 'file', path: l.backing.path, dataset });
    } else {
      disks ??= { candidates: await diskCandidates(ctx), marks: await readMarks(db) };
      const path = await checkDiskBacking(ctx, disks.candidates, disks.marks, l.backing.path, `luns.${i}.backing.path`);
      if (stored.some((x) => x.type === 'disk' && x.path === path))
        throw new ValidationError(`${l.backing.path} is listed twice`, [{ path: `luns.${i}.backing.path`, message: 'one LUN per disk' }]);
      stored.push({ ...base, type: 'disk', path, dataset: null });
    }
  }
  return { stored, grow };
}

function checkChap(chap: { user: string; secret: string } | null | undefined, mutual: { user: string; secret: string } | null | undefined): void {
  if (mutual && !chap) throw new ValidationError('mutual CHAP needs CHAP as well', [{ path: 'mutualChap', message: 'set chap first' }]);
  if (chap && mutual && chap.secret === mutual.secret)
    throw new ValidationError('the mutual CHAP secret must differ from the CHAP secret', [
      { path: 'mutualChap.secret', message: 'must differ from chap.secret' },
    ]);
}

function checkGroupsUnique(groups: { name: string }[]): void {
  if (new Set(groups.map((g) => g.name)).size !== groups.length)
    throw new ValidationError('initiator group names must be unique', [{ path: 'groups', message: 'duplicate group name' }]);
}

/**
 * "Adopt" on the scst backend: the targets in the live scst.conf become the database's, each
 * checked as if it were created through the API (IQNs, CHAP, zvols that exist, files inside
 * datasets). LUNs the database keeps disabled are in no file, so they stay. Returns what the file
 * says that Calypso does not manage (dropped).
 */
async function adoptLiveScst(ctx: Ctx, trx: Knex): Promise<string[]> {
  const { scstConfPath } = await shareDeployment(trx);
  const text = await ctx.host.files.readIfExists(scstConfPath);
  if (text === null) throw new Conflict(`${scstConfPath} does not exist: nothing to adopt`);
  let live: ParsedScstConf;
  try {
    live = parseScstConf(text);
  } catch (err) {
    if (err instanceof ScstConfParseError) throw new ValidationError(`the live ${scstConfPath} cannot be adopted: ${err.message}`);
    throw err;
  }
  const ignored = [...live.ignored];
  const existing = new Map((await trx('iscsi_targets')).map((r: Row) => [String(r.name), r]));
  const cannot = (t: string, why: string) => new ValidationError(`target ${t} in the live ${scstConfPath} cannot be adopted: ${why}`);
  const now = nowIso();
  for (const t of live.targets) {
    const old = existing.get(t.name);
    const oldTarget = old ? toTarget(old) : null;
    const lunsIn = t.luns.map((ref) => {
      const dev = live.devices.get(ref.device);
      if (!dev?.filename) throw cannot(t.name, `LUN ${ref.lun} uses device ${ref.device}, which no HANDLER section gives a filename`);
      if (dev.handler !== 'vdisk_blockio' && dev.handler !== 'vdisk_fileio')
        throw cannot(t.name, `LUN ${ref.lun} uses the ${dev.handler} handler; Calypso manages vdisk_blockio and vdisk_fileio`);
      const backing =
        dev.handler === 'vdisk_fileio'
          ? { type: 'file', path: dev.filename }
          : dev.filename.startsWith('/dev/zvol/')
            ? { type: 'zvol', zvol: dev.filename.slice('/dev/zvol/'.length) }
            : { type: 'disk', path: dev.filename };
      return { lun: ref.lun, backing, group: ref.group, readOnly: dev.readOnly, enabled: true };
    });
    const parsed = targetInput.safeParse({
      name: t.name,
      alias: t.alias,
      enabled: t.enabled,
      // scst.conf names portal addresses only; the port is SCST's global one.
      portals: t.allowedPortals.map((ip) => ({ ip, port: oldTarget?.portals.find((p) => p.ip === ip)?.port ?? 3260 })),
      chap: t.incomingUser,
      mutualChap: t.outgoingUser,
      groups: t.groups,
      luns: lunsIn,
    });
    if (!parsed.success) throw cannot(t.name, parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; '));
    const i = parsed.data;
    checkChap(i.chap, i.mutualChap);
    checkGroupsUnique(i.groups);
    const { stored } = await resolveLuns(ctx, i.luns, i.groups, oldTarget?.luns ?? [], trx);
    const keptDisabled = (oldTarget?.luns ?? []).filter((l) => !l.enabled && !stored.some((s) => s.lun === l.lun));
    const row = {
      alias: i.alias,
      enabled: i.enabled,
      portals: JSON.stringify(i.portals),
      ...chapColumns(i.chap, i.mutualChap),
      groups: JSON.stringify(i.groups),
      luns: JSON.stringify([...stored, ...keptDisabled].sort((a, b) => a.lun - b.lun)),
      updated_at: now,
    };
    if (old) await trx('iscsi_targets').where({ id: old.id }).update(row);
    else await trx('iscsi_targets').insert({ ...row, name: i.name, created_at: now });
  }
  const adopted = new Set(live.targets.map((t) => t.name));
  for (const [name, r] of existing) if (!adopted.has(name)) await trx('iscsi_targets').where({ id: r.id }).delete();
  return ignored;
}

/** Bring the backend to the database's targets; on failure, back to `before`. */
export async function applyIscsi(
  ctx: Ctx,
  trx: Knex,
  before: IscsiTargetConf[],
  changed: string[],
  grow: { path: string; size: number }[] = [],
): Promise<void> {
  const settings = await settingsOf(trx);
  const after = (await trx('iscsi_targets').orderBy('id')).map(toConf);
  for (const g of grow) await new BackingFileAdapter(ctx.host).grow(g.path, g.size);
  if (settings.backend === 'tgt') {
    const tgt = new TgtAdapter(ctx.host, { controlPort: settings.tgtControlPort });
    try {
      await tgt.reconcile(after, new Set(changed));
    } catch (err) {
      await tgt.reconcile(before, new Set(changed)).catch((again) => ctx.log.warn({ err: again }, 'restoring the previous tgt targets failed too'));
      if (err instanceof Error && /tgt reserves LUN 0/.test(err.message)) throw new ValidationError(err.message);
      throw err;
    }
    return;
  }
  const { scstConfPath } = await shareDeployment(trx);
  const scst = new ScstAdapter(ctx.host);
  await writeThenActivate(
    ctx,
    scstConfPath,
    renderScstConf(after),
    0o600,
    async () => {
      await scst.check(scstConfPath);
      await scst.apply(scstConfPath);
    },
    async () => {
      if (await ctx.host.files.exists(scstConfPath)) await scst.apply(scstConfPath);
    },
  );
}

export async function loadConfs(db: Knex): Promise<IscsiTargetConf[]> {
  return (await db('iscsi_targets').orderBy('id')).map(toConf);
}

export function iscsiAttachments(): (ctx: Ctx, dataset: string) => Promise<Attachment[]> {
  return async (ctx, dataset) => {
    const out: Attachment[] = [];
    for (const r of await ctx.db('iscsi_targets')) {
      for (const l of toTarget(r).luns) {
        if (l.dataset && (l.dataset === dataset || l.dataset.startsWith(`${dataset}/`))) {
          const target = `${String(r.name)}/${l.lun}`;
          out.push({
            kind: 'iscsi',
            name: target,
            dataset: l.dataset,
            remove: { operation: 'iscsi.luns.delete', input: { name: String(r.name), lun: l.lun, confirm: target } },
          });
        }
      }
    }
    return out;
  };
}

export function registerIscsi(registry: Registry, attachments: Attachments): void {
  registry.addPermissions(iscsiPermissions);
  attachments.register(iscsiAttachments());
  const find = (db: Knex, name: string) => db('iscsi_targets').where({ name }).first();

  registry.add(implement(c['iscsi.targets.list'], async (ctx, i) => page((await ctx.db('iscsi_targets').orderBy('name')).map(toTarget), i)));
  registry.add(
    implement(c['iscsi.targets.get'], async (ctx, i) => {
      const row = await find(ctx.db, i.name);
      if (!row) throw new NotFound(`no iSCSI target ${i.name}`);
      return toTarget(row);
    }),
  );
  registry.add(
    implement(c['iscsi.targets.create'], async (ctx, i) => {
      checkChap(i.chap, i.mutualChap);
      checkGroupsUnique(i.groups);
      const { stored, grow } = await resolveLuns(ctx, i.luns, i.groups);
      return applyUnit(ctx, LOCK, async (trx) => {
        if (await find(trx, i.name)) throw new Conflict(`iSCSI target ${i.name} already exists`);
        const before = await loadConfs(trx);
        const now = nowIso();
        await trx('iscsi_targets').insert({
          name: i.name,
          alias: i.alias,
          enabled: i.enabled,
          portals: JSON.stringify(i.portals),
          ...chapColumns(i.chap, i.mutualChap),
          groups: JSON.stringify(i.groups),
          luns: JSON.stringify(stored),
          created_at: now,
          updated_at: now,
        });
        await applyIscsi(ctx, trx, before, [i.name], grow);
        return toTarget(await find(trx, i.name));
      });
    }),
  );
  registry.add(
    implement(c['iscsi.targets.update'], async (ctx, i) => {
      const current = await find(ctx.db, i.name);
      if (!current) throw new NotFound(`no iSCSI target ${i.name}`);
      const groups = i.groups ?? toTarget(current).groups;
      checkGroupsUnique(groups);
      const resolved = i.luns ? await resolveLuns(ctx, i.luns, groups, toTarget(current).luns) : null;
      if (!resolved)
        for (const l of toTarget(current).luns)
          if (l.group && !groups.some((g) => g.name === l.group))
            throw new ValidationError(`LUN ${l.lun} is mapped to group ${l.group}: remap it before removing the group`);
      return applyUnit(ctx, LOCK, async (trx) => {
        const row = await find(trx, i.name);
        if (!row) throw new NotFound(`no iSCSI target ${i.name}`);
        const stored = storedChap(row);
        const chap = i.chap !== undefined ? i.chap : stored.chap;
        const mutual = i.mutualChap !== undefined ? i.mutualChap : stored.mutualChap;
        checkChap(chap, mutual);
        const before = await loadConfs(trx);
        const patch: Row = { updated_at: nowIso(), groups: JSON.stringify(groups) };
        if (i.alias !== undefined) patch.alias = i.alias;
        if (i.enabled !== undefined) patch.enabled = i.enabled;
        if (i.portals !== undefined) patch.portals = JSON.stringify(i.portals);
        Object.assign(patch, chapColumns(chap, mutual));
        if (resolved) patch.luns = JSON.stringify(resolved.stored);
        await trx('iscsi_targets').where({ id: row.id }).update(patch);
        await applyIscsi(ctx, trx, before, [i.name], resolved?.grow);
        return toTarget(await find(trx, i.name));
      });
    }),
  );
  registry.add(
    implement(c['iscsi.targets.delete'], async (ctx, i) =>
      applyUnit(ctx, LOCK, async (trx) => {
        const row = await find(trx, i.name);
        if (!row) throw new NotFound(`no iSCSI target ${i.name}`);
        const before = await loadConfs(trx);
        await trx('iscsi_targets').where({ id: row.id }).delete();
        await applyIscsi(ctx, trx, before, [i.name]);
        return { ok: true as const };
      }),
    ),
  );
  registry.add(
    implement(c['iscsi.luns.delete'], async (ctx, i) =>
      applyUnit(ctx, LOCK, async (trx) => {
        const row = await find(trx, i.name);
        const current = row ? toTarget(row).luns : [];
        if (!row || !current.some((l) => l.lun === i.lun)) throw new NotFound(`no LUN ${i.lun} on ${i.name}`);
        const before = await loadConfs(trx);
        await trx('iscsi_targets')
          .where({ id: row.id })
          .update({ luns: JSON.stringify(current.filter((l) => l.lun !== i.lun)), updated_at: nowIso() });
        await applyIscsi(ctx, trx, before, [i.name]);
        return { ok: true as const };
      }),
    ),
  );

  registry.add(implement(c['iscsi.disks.list'], async (ctx, i) => page(await describeDisks(ctx), i)));
  registry.add(
    implement(c['iscsi.disks.mark-export'], async (ctx, i) => {
      const wwn = await applyUnit(ctx, LOCK, (trx) => markDisk(ctx, trx, i.disk));
      return (await describeDisks(ctx)).find((d) => d.wwn === wwn)!;
    }),
  );
  registry.add(
    implement(c['iscsi.disks.unmark-export'], async (ctx, i) => {
      await applyUnit(ctx, LOCK, (trx) => unmarkDisk(ctx, trx, i.disk));
      return { ok: true as const };
    }),
  );

  registry.add(implement(c['iscsi.settings.get'], (ctx) => settingsOf(ctx.db)));
  registry.add(
    implement(c['iscsi.settings.update'], async (ctx, i) =>
      applyUnit(ctx, LOCK, async (trx) => {
        const next = { ...(await settingsOf(trx)), ...Object.fromEntries(Object.entries(i).filter(([, v]) => v !== undefined)) } as IscsiSettings;
        await writeSetting(trx, ISCSI_SETTINGS_KEY, next);
        const all = await loadConfs(trx);
        await applyIscsi(
          ctx,
          trx,
          [],
          all.map((t) => t.name),
        );
        return next;
      }),
    ),
  );
  registry.add(
    implement(c['iscsi.sessions.list'], async (ctx) => {
      const s = await settingsOf(ctx.db);
      if (s.backend !== 'tgt') return { available: false, items: [] };
      const live = await new TgtAdapter(ctx.host, { controlPort: s.tgtControlPort }).show();
      return { available: true, items: live.flatMap((t) => t.sessions.map((x) => ({ target: t.name, initiator: x.initiator, addresses: x.addresses }))) };
    }),
  );

  const drift = async (ctx: Ctx, db: Knex) => {
    const s = await settingsOf(db);
    const confs = await loadConfs(db);
    if (s.backend === 'tgt') {
      const live = await new TgtAdapter(ctx.host, { controlPort: s.tgtControlPort }).show();
      const changes: string[] = [];
      const wanted = confs.filter((t) => t.enabled);
      for (const t of wanted) {
        const l = live.find((x) => x.name === t.name);
        if (!l) {
          changes.push(`- target ${t.name}`);
          continue;
        }
        const liveLuns = l.luns
          .filter((x) => x.type !== 'controller')
          .map((x) => `${x.lun} ${x.backingPath}`)
          .sort();
        const wantLuns = t.luns
          .filter((x) => x.enabled)
          .map((x) => `${x.lun} ${x.backingPath}`)
          .sort();
        for (const x of wantLuns) if (!liveLuns.includes(x)) changes.push(`- ${t.name} LUN ${x}`);
        for (const x of liveLuns) if (!wantLuns.includes(x)) changes.push(`+ ${t.name} LUN ${x}`);
      }
      for (const l of live) if (!wanted.some((t) => t.name === l.name)) changes.push(`+ target ${l.name}`);
      return { inSync: changes.length === 0, file: null, missing: false, changes };
    }
    const { scstConfPath } = await shareDeployment(db);
    return fileDrift(ctx, scstConfPath, renderScstConf(confs), redactScstConf);
  };
  registerDrift(registry, c['iscsi.drift'], c['iscsi.drift.resolve'], {
    lock: LOCK,
    drift,
    repair: async (ctx, trx, action) => {
      const before = await loadConfs(trx);
      let ignored: string[] = [];
      if (action === 'adopt') {
        if ((await settingsOf(trx)).backend !== 'scst')
          throw new ValidationError('adopting reads scst.conf, so it needs the scst backend; with tgt, overwrite brings tgtd to what Calypso says');
        ignored = await adoptLiveScst(ctx, trx);
      }
      const after = await loadConfs(trx);
      // Re-render what was adopted, so the file is Calypso's own form of it and drift clears.
      await applyIscsi(ctx, trx, before, [...new Set([...before, ...after].map((t) => t.name))]);
      return ignored;
    },
  });
}

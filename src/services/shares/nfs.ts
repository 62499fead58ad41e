/** NFS exports: rendered to the exports file Calypso owns (/etc/exports.d/calypso.exports) and applied with exportfs -ra. */
import { isIP } from 'node:net';
import type { Knex } from 'knex';
import { z } from 'zod';
import { NfsAdapter, adoptExports, renderExports, type NfsExportConf } from '../../system/nfs/index.js';
import type { Attachment, Attachments } from '../core/attachments.js';
import { actorHas, type Ctx } from '../core/context.js';
import { Conflict, Forbidden, NotFound, ValidationError } from '../core/errors.js';
import { page } from '../../contracts/list.js';
import { nfsPath } from '../../contracts/share-schemas.js';
import { nfsClientsInput, sharesContracts as c, type NfsExport } from '../../contracts/shares.js';
import { implement, type Registry } from '../core/registry.js';
import { nowIso } from '../../contracts/time.js';
import { applyUnit, datasetHolding, fileDrift, registerDrift, writeThenActivate } from './apply.js';
import { shareDeployment } from './settings.js';

const LOCK = 'nfs';

/**
 * Root for many hosts (issue 19). A client rule GIVES ROOT when its clients act as uid 0 or gid 0
 * on the exported files: `no_root_squash`, or `anonuid=0` / `anongid=0` (squashed users become
 * root). It REACHES MANY HOSTS when its host is
 *   - a wildcard (`*`, `*.example.com`, `host?`): reverse DNS is chosen by whoever owns the address;
 *   - a netgroup (`@group`): its members are defined outside Calypso;
 *   - an IPv4 network shorter than /24 (more than 256 addresses, 0.0.0.0/0 included), or an IPv6
 *     network shorter than /64.
 * A single address, a host name without wildcard, or a /24 (/64) or narrower network is one
 * machine or one segment, which an Operator may trust with root (e.g. a backup server).
 * An enabled export with a rule that does both needs `shares.admin` (Admin) and a typed
 * confirmation: `confirm` equal to the export's path. Anything else stays an Operator's call.
 */
export function wideRootRules(clients: { host: string; squash: string; anonuid: number | null; anongid: number | null }[]): string[] {
  return clients
    .filter((c) => {
      const givesRoot = c.squash === 'no_root_squash' || c.anonuid === 0 || c.anongid === 0;
      return givesRoot && reachesMany(c.host);
    })
    .map((c) => c.host);
}

function reachesMany(host: string): boolean {
  if (/[*?]/.test(host) || host.startsWith('@')) return true;
  const slash = host.indexOf('/');
  if (slash < 0) return false;
  const family = isIP(host.slice(0, slash));
  const bits = Number(host.slice(slash + 1));
  return family === 4 ? bits < 24 : bits < 64;
}

/** Refuses (before anything changes) an export that would give root to many hosts, unless an Admin confirmed it. */
function checkRootExposure(ctx: Ctx, path: string, enabled: boolean, clients: Parameters<typeof wideRootRules>[0], confirm: string | undefined): void {
  const wide = enabled ? wideRootRules(clients) : [];
  if (wide.length === 0) return;
  const what = `${path} would give root (no_root_squash, anonuid=0 or anongid=0) to ${wide.join(', ')}`;
  if (!actorHas(ctx.actor, 'shares.admin'))
    throw new Forbidden(`${what}: that needs the shares.admin permission (Admin). Squash root, or name single hosts or a /24 network`);
  if (confirm !== path)
    throw new ValidationError(`${what}: confirm by sending "confirm": ${JSON.stringify(path)}`, [{ path: 'confirm', message: `type ${path} to confirm` }]);
}

type Row = Record<string, unknown>;

function toExport(r: Row): NfsExport {
  return {
    path: String(r.path),
    dataset: String(r.dataset),
    comment: String(r.comment),
    enabled: Boolean(r.enabled),
    clients: JSON.parse(String(r.clients)) as NfsExport['clients'],
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

/** What the exports file should say, from `db` (a transaction): one query after another, as its one connection runs them. */
async function renderFrom(db: Knex): Promise<{ content: string; path: string }> {
  const dep = await shareDeployment(db);
  const rows: Row[] = await db('nfs_exports').orderBy('path');
  return { content: renderExports(rows.map(toExport) as NfsExportConf[]), path: dep.exportsPath };
}

export async function applyNfs(ctx: Ctx, trx: Knex): Promise<void> {
  const { content, path } = await renderFrom(trx);
  const nfs = new NfsAdapter(ctx.host);
  await writeThenActivate(
    ctx,
    path,
    content,
    0o644,
    () => nfs.reload(),
    () => nfs.reload(),
  );
}

export function nfsAttachments(): (ctx: Ctx, dataset: string) => Promise<Attachment[]> {
  return async (ctx, dataset) => {
    const rows = await ctx.db('nfs_exports').where('dataset', dataset).orWhere('dataset', 'like', `${dataset}/%`);
    return rows.map((r: Row) => ({
      kind: 'nfs',
      name: String(r.path),
      dataset: String(r.dataset),
      remove: { operation: 'shares.nfs.delete', input: { path: String(r.path), confirm: String(r.path) } },
    }));
  };
}

export function registerNfs(registry: Registry, attachments: Attachments): void {
  attachments.register(nfsAttachments());
  const find = (db: Knex, p: string) => db('nfs_exports').where({ path: p }).first();

  registry.add(implement(c['shares.nfs.list'], async (ctx, i) => page((await ctx.db('nfs_exports').orderBy('path')).map(toExport), i)));
  registry.add(
    implement(c['shares.nfs.get'], async (ctx, i) => {
      const row = await find(ctx.db, i.path);
      if (!row) throw new NotFound(`no NFS export of ${i.path}`);
      return toExport(row);
    }),
  );
  registry.add(
    implement(c['shares.nfs.create'], async (ctx, i) => {
      checkRootExposure(ctx, i.path, i.enabled, i.clients, i.confirm);
      const { dataset } = await datasetHolding(ctx, i.path);
      return applyUnit(ctx, LOCK, async (trx) => {
        if (await find(trx, i.path)) throw new Conflict(`${i.path} is already exported`);
        const now = nowIso();
        await trx('nfs_exports').insert({
          path: i.path,
          dataset,
          comment: i.comment,
          enabled: i.enabled,
          clients: JSON.stringify(i.clients),
          created_at: now,
          updated_at: now,
        });
        await applyNfs(ctx, trx);
        return toExport(await find(trx, i.path));
      });
    }),
  );
  registry.add(
    implement(c['shares.nfs.update'], async (ctx, i) =>
      applyUnit(ctx, LOCK, async (trx) => {
        const row = await find(trx, i.path);
        if (!row) throw new NotFound(`no NFS export of ${i.path}`);
        // Only what this call changes is checked: a comment edit leaves an Admin's confirmed export alone.
        const current = toExport(row);
        if (i.clients !== undefined || (i.enabled === true && !current.enabled)) {
          checkRootExposure(ctx, i.path, i.enabled ?? current.enabled, i.clients ?? current.clients, i.confirm);
        }
        const patch: Row = { updated_at: nowIso() };
        if (i.clients !== undefined) patch.clients = JSON.stringify(i.clients);
        if (i.comment !== undefined) patch.comment = i.comment;
        if (i.enabled !== undefined) patch.enabled = i.enabled;
        await trx('nfs_exports').where({ id: row.id }).update(patch);
        await applyNfs(ctx, trx);
        return toExport(await find(trx, i.path));
      }),
    ),
  );
  registry.add(
    implement(c['shares.nfs.delete'], async (ctx, i) =>
      applyUnit(ctx, LOCK, async (trx) => {
        const row = await find(trx, i.path);
        if (!row) throw new NotFound(`no NFS export of ${i.path}`);
        await trx('nfs_exports').where({ id: row.id }).delete();
        await applyNfs(ctx, trx);
        return { ok: true as const };
      }),
    ),
  );
  registry.add(implement(c['shares.nfs.active'], async (ctx) => ({ items: await new NfsAdapter(ctx.host).active() })));

  const drift = async (ctx: Ctx, db: Knex) => {
    const { content, path } = await renderFrom(db);
    return fileDrift(ctx, path, content);
  };
  registerDrift(registry, c['shares.nfs.drift'], c['shares.nfs.drift.resolve'], {
    lock: LOCK,
    drift,
    repair: async (ctx, trx, action) => {
      const ignored = action === 'adopt' ? await adoptLive(ctx, trx) : [];
      await applyNfs(ctx, trx);
      return ignored;
    },
  });
}

/** Enabled exports become what the live file says; disabled ones (not in any file) are kept. */
async function adoptLive(ctx: Ctx, trx: Knex): Promise<string[]> {
  const { path } = await renderFrom(trx);
  const live = await ctx.host.files.readIfExists(path);
  if (live === null) throw new Conflict(`${path} does not exist: nothing to adopt`);
  const adopted = adoptExports(live);
  const input = z.object({ path: nfsPath, clients: nfsClientsInput });
  const now = nowIso();
  const keep = new Set<string>();
  for (const e of adopted.exports) {
    const parsed = input.safeParse(e);
    if (!parsed.success)
      throw new ValidationError(
        `${e.path} in the live exports cannot be adopted: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`,
      );
    const { dataset } = await datasetHolding(ctx, e.path);
    keep.add(e.path);
    const old = await trx('nfs_exports').where({ path: e.path }).first();
    const row = { dataset, enabled: true, clients: JSON.stringify(parsed.data.clients), updated_at: now };
    if (old) await trx('nfs_exports').where({ id: old.id }).update(row);
    else await trx('nfs_exports').insert({ ...row, path: e.path, comment: '', created_at: now });
  }
  for (const r of await trx('nfs_exports').where({ enabled: true })) if (!keep.has(String(r.path))) await trx('nfs_exports').where({ id: r.id }).delete();
  return adopted.ignored;
}

/**
 * The configuration apply of ARCHITECTURE.md ("State: desired and live") reduced to its steps,
 * for the crash-safety test: database transaction, render, atomic write, commit; on failure the
 * transaction rolls back and the previous file is restored. At start the database is the desired
 * state and the file is re-rendered from it when they disagree.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { HostFiles } from '../../src/system/host.js';

export const CONFIG_PATH = '/etc/calypso/crash-test.conf';
export const TABLE = 'crash_test_config';

/** Large enough (about 256 KB) that writing it takes a moment a kill can land in. */
export function render(version: number): string {
  const lines: string[] = [];
  for (let i = 0; i < 4000; i++) lines.push(`share${i} path=/tank/share${i} version=${version} comment=${'x'.repeat(40)}`);
  const body = lines.join('\n');
  const sum = crypto.createHash('sha256').update(body).digest('hex');
  return `# crash-test config version ${version}\n${body}\n# end version ${version} sha256 ${sum}\n`;
}

/** The version a file holds, or null when it is not one complete rendering. */
export function versionOf(content: string | null): number | null {
  if (content === null) return null;
  const head = /^# crash-test config version (\d+)\n/.exec(content);
  const tail = /\n# end version (\d+) sha256 ([0-9a-f]{64})\n$/.exec(content);
  if (!head || !tail || head[1] !== tail[1]) return null;
  const body = content.slice(head[0].length, content.length - tail[0].length);
  const sum = crypto.createHash('sha256').update(body).digest('hex');
  return sum === tail[2] && content === render(Number(head[1])) ? Number(head[1]) : null;
}

export async function ensureTable(db: Knex): Promise<void> {
  if (!(await db.schema.hasTable(TABLE))) {
    await db.schema.createTable(TABLE, (t) => {
      t.integer('id').primary();
      t.integer('version').notNullable();
    });
    await db(TABLE).insert({ id: 1, version: 0 });
  }
}

export async function dbVersion(db: Knex): Promise<number> {
  const row = await db(TABLE).where({ id: 1 }).first();
  return Number(row?.version ?? 0);
}

/** One apply: the database change and the file change succeed together or not at all. */
export async function apply(db: Knex, files: HostFiles, version: number): Promise<void> {
  const trx = await db.transaction();
  try {
    await trx(TABLE).where({ id: 1 }).update({ version });
    await files.writeAtomic(CONFIG_PATH, render(version));
  } catch (err) {
    await trx.rollback();
    await files.restorePrevious(CONFIG_PATH).catch(() => undefined);
    throw err;
  }
  await trx.commit();
}

/** Start-up: make the file say what the database says. Returns the file's version before. */
export async function reconcile(db: Knex, files: HostFiles): Promise<number | null> {
  const want = await dbVersion(db);
  const have = versionOf(await files.readIfExists(CONFIG_PATH));
  if (have !== want) await files.writeAtomic(CONFIG_PATH, render(want));
  return have;
}

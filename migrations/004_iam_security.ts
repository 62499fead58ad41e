import type { Knex } from 'knex';

/**
 * Names of users, groups and roles are unique without regard to case or surrounding space
 * (issue 19: "Admin " and "admin" were accepted beside "Admin"). The contract trims them and
 * checks case-insensitively; these unique indexes on lower(name) hold the rule in the database
 * too, on SQLite and PostgreSQL alike.
 *
 * Rows already in breach are kept, not merged or dropped: surrounding space is trimmed, and a
 * name that then clashes (case-insensitively) with one kept before it gets the row id appended
 * ("admin" -> "admin-7"). Names already clean keep theirs first, built-in roles before custom ones.
 */
const TABLES: { table: string; column: string; index: string; width: number }[] = [
  { table: 'users', column: 'username', index: 'users_username_lower_unique', width: 64 },
  { table: 'groups', column: 'name', index: 'groups_name_lower_unique', width: 64 },
  { table: 'roles', column: 'name', index: 'roles_name_lower_unique', width: 64 },
];

async function dedupe(knex: Knex, table: string, column: string, width: number): Promise<void> {
  const hasBuiltin = table === 'roles';
  const rows: { id: number; name: string; builtin?: boolean | number }[] = await knex(table).select(
    'id',
    `${column} as name`,
    ...(hasBuiltin ? ['builtin'] : []),
  );
  const original = new Set(rows.map((r) => r.name.toLowerCase()));
  const rank = (r: (typeof rows)[number]) => (r.name === r.name.trim() ? 0 : 2) + (r.builtin ? 0 : 1);
  rows.sort((a, b) => rank(a) - rank(b) || Number(a.id) - Number(b.id));
  const taken = new Set<string>();
  for (const row of rows) {
    const trimmed = row.name.trim() || `${table}-${row.id}`;
    let name = trimmed;
    for (let n = 0; taken.has(name.toLowerCase()) || (name !== trimmed && original.has(name.toLowerCase())); n++) {
      const suffix = n === 0 ? `-${row.id}` : `-${row.id}-${n}`;
      name = `${trimmed.slice(0, width - suffix.length)}${suffix}`;
    }
    taken.add(name.toLowerCase());
    if (name !== row.name)
      await knex(table)
        .where({ id: row.id })
        .update({ [column]: name });
  }
}

export async function up(knex: Knex): Promise<void> {
  for (const { table, column, index, width } of TABLES) {
    await dedupe(knex, table, column, width);
    await knex.raw(`CREATE UNIQUE INDEX ${index} ON ${table} (lower(${column}))`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const { index } of TABLES) await knex.raw(`DROP INDEX IF EXISTS ${index}`);
}

import type { Knex } from 'knex';

/** Imported feature licenses, kept as their signed text (checked again at every start). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('licenses', (t) => {
    t.string('id', 64).primary();
    t.text('text').notNullable();
    t.string('imported_at', 40).notNullable();
    t.string('imported_by', 100).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('licenses');
}

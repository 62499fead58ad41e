import type { Knex } from 'knex';

/**
 * Terminal sessions (issue 15): who opened a shell on the appliance, from where, when, and for how
 * long. The audit log has a row at the start and one at the end; this table joins the two.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('terminal_sessions', (t) => {
    t.increments('id').primary();
    t.string('kind', 16).notNullable(); // console | websocket
    t.integer('user_id').nullable();
    t.string('username', 64).notNullable();
    t.string('face', 16).notNullable();
    t.string('address', 100).nullable();
    t.string('opened_at', 40).notNullable();
    t.string('closed_at', 40).nullable();
    t.bigInteger('duration_ms').nullable();
    t.string('end_reason', 200).nullable();
    t.index(['opened_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('terminal_sessions');
}

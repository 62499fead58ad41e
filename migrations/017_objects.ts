import type { Knex } from 'knex';

/**
 * The object store provider's settings (issue 13): one row, the appliance's. The admin secret key
 * is kept here for the daemon alone: no operation answers it, the audit log redacts it by name.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('objectstore_settings', (t) => {
    t.integer('id').primary();
    t.string('provider', 16).notNullable();
    t.string('endpoint', 255).notNullable();
    t.string('region', 64).notNullable();
    t.string('access_key_id', 128).notNullable();
    t.text('secret_key').notNullable();
    t.boolean('tls_verify').notNullable().defaultTo(true);
    t.text('ca_certificate').nullable();
    t.string('updated_at', 32).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('objectstore_settings');
}

import type { Knex } from 'knex';

/**
 * Backup with Bacula (issue 11): the director and storage daemon resources Calypso owns and
 * renders to calypso.conf / calypso-sd.conf. One row per resource: its kind (client, fileset,
 * schedule, pool, repository, job), its Bacula name, its settings as JSON, and its password (a
 * client's or a repository's) in a column of its own that no answer ever reads out.
 * The catalog (jobs, volumes, files) stays Bacula's: Calypso reads it live through bconsole.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('backup_resources', (t) => {
    t.increments('id').primary();
    t.string('kind', 20).notNullable();
    t.string('name', 127).notNullable();
    t.text('spec').notNullable();
    t.string('secret', 255).nullable();
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['kind', 'name']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('backup_resources');
}

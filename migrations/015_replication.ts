import type { Knex } from 'knex';

/**
 * Data protection (issue 14): periodic snapshot tasks, replication tasks, the state of each
 * replicated dataset (newest snapshot on the target, when, how many bytes), and SSH connections
 * (the private key lives in a 0600 file in the data directory, never in the database).
 * Lists (sources, excluded children, snapshot task ids) are JSON text; times are ISO-8601 UTC text.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('snapshot_tasks', (t) => {
    t.increments('id').primary();
    t.string('dataset', 255).notNullable();
    t.boolean('recursive').notNullable();
    t.text('exclude').notNullable();
    t.string('naming_schema', 200).notNullable();
    t.integer('lifetime_seconds').notNullable();
    t.string('cron', 100).notNullable();
    t.string('window_from', 5).nullable();
    t.string('window_to', 5).nullable();
    t.boolean('allow_empty').notNullable();
    t.boolean('enabled').notNullable();
    t.string('description', 200).notNullable().defaultTo('');
    t.integer('schedule_id').nullable();
    t.string('last_run_at', 30).nullable();
    t.string('last_state', 20).nullable();
    t.string('last_message', 1000).nullable();
    t.integer('last_job_id').nullable();
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.index(['dataset']);
  });
  await knex.schema.createTable('ssh_connections', (t) => {
    t.increments('id').primary();
    t.string('name', 100).notNullable();
    t.string('host', 253).notNullable();
    t.integer('port').notNullable();
    t.string('user', 32).notNullable();
    t.string('key_path', 500).notNullable();
    t.string('key_origin', 20).notNullable();
    t.text('public_key').notNullable();
    t.text('host_key').nullable();
    t.text('offered_host_key').nullable();
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
  });
  await knex.schema.createTable('replication_tasks', (t) => {
    t.increments('id').primary();
    t.string('name', 100).notNullable();
    t.string('direction', 10).notNullable();
    t.string('transport', 10).notNullable();
    t.integer('connection_id').nullable().references('ssh_connections.id');
    t.text('sources').notNullable();
    t.string('target', 255).notNullable();
    t.boolean('recursive').notNullable();
    t.text('exclude').notNullable();
    t.text('snapshot_task_ids').notNullable();
    t.string('naming_schema', 200).nullable();
    t.string('trigger', 30).notNullable();
    t.string('cron', 100).nullable();
    t.boolean('intermediates').notNullable();
    t.boolean('properties').notNullable();
    t.boolean('raw').notNullable();
    t.boolean('compressed').notNullable();
    t.boolean('allow_from_scratch').notNullable();
    t.boolean('allow_target_rollback').notNullable();
    t.boolean('target_readonly').notNullable();
    t.string('target_retention', 10).notNullable();
    t.integer('target_lifetime_seconds').nullable();
    t.integer('retries').notNullable();
    t.integer('retry_delay_seconds').notNullable();
    t.bigInteger('bandwidth_limit_bytes').nullable();
    t.integer('lag_alert_seconds').nullable();
    t.boolean('enabled').notNullable();
    t.string('description', 200).notNullable().defaultTo('');
    t.integer('schedule_id').nullable();
    t.string('last_run_at', 30).nullable();
    t.string('last_state', 20).nullable();
    t.string('last_message', 1000).nullable();
    t.integer('last_job_id').nullable();
    t.string('last_success_at', 30).nullable();
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
  });
  await knex.schema.createTable('replication_datasets', (t) => {
    t.increments('id').primary();
    t.integer('task_id').notNullable().references('replication_tasks.id').onDelete('CASCADE');
    t.string('source', 255).notNullable();
    t.string('target', 255).notNullable();
    t.string('snapshot', 255).nullable();
    t.string('guid', 30).nullable();
    t.string('snapshot_created_at', 30).nullable();
    t.string('replicated_at', 30).nullable();
    t.bigInteger('bytes').notNullable().defaultTo(0);
    t.bigInteger('total_bytes').notNullable().defaultTo(0);
    t.unique(['task_id', 'source']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('replication_datasets');
  await knex.schema.dropTableIfExists('replication_tasks');
  await knex.schema.dropTableIfExists('ssh_connections');
  await knex.schema.dropTableIfExists('snapshot_tasks');
}

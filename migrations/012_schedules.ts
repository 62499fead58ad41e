import type { Knex } from 'knex';

/**
 * Periodic work (issue 10, section 4): one row per schedule (a kind, its target, a cron
 * expression and the kind's options) and one row per run, whatever became of it (ran,
 * skipped because the last run was still going, missed while Calypso was down).
 * Timestamps are ISO-8601 UTC text, as everywhere else.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('schedules', (t) => {
    t.increments('id').primary();
    t.string('kind', 40).notNullable();
    t.string('target', 255).notNullable();
    t.string('cron', 100).notNullable();
    t.text('options').notNullable();
    t.integer('grace_seconds').notNullable();
    t.boolean('enabled').notNullable();
    t.string('description', 200).notNullable().defaultTo('');
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.string('created_by', 64).notNullable();
    t.string('next_run_at', 30).nullable();
    t.string('last_run_at', 30).nullable();
    t.string('last_result', 20).nullable();
    t.string('last_message', 500).nullable();
    t.integer('last_job_id').nullable();
    t.index(['kind', 'target']);
  });
  await knex.schema.createTable('schedule_runs', (t) => {
    t.increments('id').primary();
    t.integer('schedule_id').notNullable().references('schedules.id').onDelete('CASCADE');
    t.string('trigger', 20).notNullable();
    t.string('due_at', 30).nullable();
    t.string('started_at', 30).notNullable();
    t.string('finished_at', 30).nullable();
    t.string('result', 20).notNullable();
    t.string('message', 500).nullable();
    t.integer('job_id').nullable();
    t.index(['schedule_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('schedule_runs');
  await knex.schema.dropTableIfExists('schedules');
}

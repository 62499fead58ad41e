import type { Knex } from 'knex';

/**
 * Monitoring and alerting: downsampled metric history, alert rules, alerts, maintenance
 * windows, notification channels and their delivery log. Times are epoch milliseconds
 * (bigint), compared and bucketed as numbers on SQLite and PostgreSQL alike.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('metric_series', (t) => {
    t.increments('id').primary();
    t.string('name', 200).notNullable();
    t.text('labels').notNullable();
    t.string('series_key', 1000).notNullable().unique();
  });
  // resolution is the bucket width in seconds (60 or 900); t the bucket start.
  await knex.schema.createTable('metric_rollups', (t) => {
    t.integer('resolution').notNullable();
    t.integer('series_id').notNullable().references('metric_series.id').onDelete('CASCADE');
    t.bigInteger('t').notNullable();
    t.double('avg').notNullable();
    t.double('min').notNullable();
    t.double('max').notNullable();
    t.integer('count').notNullable();
    t.primary(['resolution', 'series_id', 't']);
    t.index(['resolution', 't']);
  });
  await knex.schema.createTable('alert_rules', (t) => {
    t.increments('id').primary();
    t.string('builtin_key', 64).unique();
    t.string('name', 200).notNullable();
    t.string('kind', 32).notNullable();
    t.string('source', 32).notNullable();
    t.string('metric', 200);
    t.text('selector').notNullable().defaultTo('{}');
    t.string('operator', 4).notNullable();
    t.double('threshold').notNullable();
    t.double('critical_threshold');
    t.integer('for_seconds').notNullable().defaultTo(0);
    t.string('severity', 16).notNullable();
    t.text('message').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
  await knex.schema.createTable('alerts', (t) => {
    t.increments('id').primary();
    // One active alert per key: the rule and the label set (or the job type and target).
    t.string('dedupe_key', 1000).notNullable().index();
    t.integer('rule_id').references('alert_rules.id').onDelete('SET NULL');
    t.string('source', 32).notNullable().index();
    t.string('severity', 16).notNullable();
    t.string('state', 16).notNullable().index();
    t.string('title', 300).notNullable();
    t.text('message').notNullable();
    t.text('labels').notNullable().defaultTo('{}');
    t.double('value');
    t.boolean('silenced').notNullable().defaultTo(false);
    t.bigInteger('opened_at').notNullable().index();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('acknowledged_at');
    t.string('acknowledged_by', 64);
    t.bigInteger('snoozed_until');
    t.bigInteger('dismissed_at');
    t.string('dismissed_by', 64);
    t.bigInteger('resolved_at').index();
  });
  await knex.schema.createTable('maintenance_windows', (t) => {
    t.increments('id').primary();
    t.string('name', 200).notNullable();
    t.string('description', 1000).notNullable().defaultTo('');
    t.bigInteger('starts_at').notNullable();
    t.bigInteger('ends_at').notNullable().index();
    t.text('selector').notNullable().defaultTo('{}');
    t.text('sources').notNullable().defaultTo('[]');
    t.string('created_by', 64).notNullable();
    t.bigInteger('created_at').notNullable();
  });
  await knex.schema.createTable('notification_channels', (t) => {
    t.increments('id').primary();
    t.string('name', 100).notNullable().unique();
    t.string('type', 16).notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.text('severities').notNullable();
    t.boolean('notify_resolved').notNullable().defaultTo(true);
    t.text('config').notNullable();
    // The SMTP password or the webhook's Authorization header: never returned, never logged.
    t.text('secret');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
  await knex.schema.createTable('notification_deliveries', (t) => {
    t.bigIncrements('id').primary();
    t.integer('channel_id').notNullable().references('notification_channels.id').onDelete('CASCADE').index();
    t.integer('alert_id').references('alerts.id').onDelete('SET NULL');
    t.string('event', 16).notNullable();
    t.bigInteger('at').notNullable().index();
    t.string('status', 16).notNullable();
    t.integer('attempts').notNullable();
    t.text('error');
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['notification_deliveries', 'notification_channels', 'maintenance_windows', 'alerts', 'alert_rules', 'metric_rollups', 'metric_series']) {
    await knex.schema.dropTableIfExists(table);
  }
}

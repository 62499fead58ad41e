import type { Knex } from 'knex';

/** Users, groups, roles, sessions, audit, jobs, settings. Timestamps are ISO-8601 UTC text. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id').primary();
    t.string('username', 64).notNullable().unique();
    t.string('display_name', 200).notNullable().defaultTo('');
    t.string('email', 254).notNullable().defaultTo('');
    t.string('password_hash', 100).notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.text('preferences').notNullable().defaultTo('{}');
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.string('password_changed_at', 30).notNullable();
    t.string('last_login_at', 30);
  });
  await knex.schema.createTable('groups', (t) => {
    t.increments('id').primary();
    t.string('name', 64).notNullable().unique();
    t.string('description', 500).notNullable().defaultTo('');
    t.string('created_at', 30).notNullable();
  });
  await knex.schema.createTable('group_members', (t) => {
    t.integer('group_id').notNullable().references('groups.id').onDelete('CASCADE');
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.primary(['group_id', 'user_id']);
  });
  await knex.schema.createTable('roles', (t) => {
    t.increments('id').primary();
    t.string('name', 64).notNullable().unique();
    t.string('description', 500).notNullable().defaultTo('');
    t.boolean('builtin').notNullable().defaultTo(false);
    t.string('created_at', 30).notNullable();
  });
  await knex.schema.createTable('role_permissions', (t) => {
    t.integer('role_id').notNullable().references('roles.id').onDelete('CASCADE');
    t.string('permission', 100).notNullable();
    t.primary(['role_id', 'permission']);
  });
  await knex.schema.createTable('user_roles', (t) => {
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.integer('role_id').notNullable().references('roles.id').onDelete('CASCADE');
    t.primary(['user_id', 'role_id']);
  });
  await knex.schema.createTable('group_roles', (t) => {
    t.integer('group_id').notNullable().references('groups.id').onDelete('CASCADE');
    t.integer('role_id').notNullable().references('roles.id').onDelete('CASCADE');
    t.primary(['group_id', 'role_id']);
  });
  // A session is one refresh-token family: rotation stays inside it, reuse revokes all of it.
  await knex.schema.createTable('sessions', (t) => {
    t.string('id', 36).primary();
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.string('face', 16).notNullable();
    t.string('address', 100);
    t.string('created_at', 30).notNullable();
    t.string('last_used_at', 30).notNullable();
    t.string('revoked_at', 30);
    t.string('revoked_reason', 100);
  });
  await knex.schema.createTable('refresh_tokens', (t) => {
    t.increments('id').primary();
    t.string('session_id', 36).notNullable().references('sessions.id').onDelete('CASCADE');
    t.string('token_hash', 64).notNullable().unique();
    t.string('created_at', 30).notNullable();
    t.string('expires_at', 30).notNullable();
    t.string('used_at', 30);
  });
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.string('at', 30).notNullable().index();
    t.integer('actor_id');
    t.string('actor_name', 64).notNullable();
    t.string('face', 16).notNullable();
    t.string('address', 100);
    t.string('request_id', 64);
    t.string('operation', 100).notNullable().index();
    t.string('target', 300);
    t.text('input').notNullable();
    t.string('result', 16).notNullable();
    t.text('error');
  });
  await knex.schema.createTable('jobs', (t) => {
    t.increments('id').primary();
    t.string('type', 100).notNullable();
    t.string('description', 500).notNullable();
    t.string('state', 16).notNullable().index();
    t.integer('progress').notNullable().defaultTo(0);
    t.string('progress_text', 500);
    t.string('owner', 64).notNullable();
    t.string('target', 300);
    t.boolean('cancellable').notNullable().defaultTo(false);
    t.string('created_at', 30).notNullable();
    t.string('finished_at', 30);
    t.text('result');
    t.text('error');
  });
  await knex.schema.createTable('job_logs', (t) => {
    t.bigIncrements('id').primary();
    t.integer('job_id').notNullable().references('jobs.id').onDelete('CASCADE').index();
    t.string('at', 30).notNullable();
    t.text('line').notNullable();
  });
  await knex.schema.createTable('settings', (t) => {
    t.string('key', 100).primary();
    t.text('value').notNullable();
    t.string('updated_at', 30).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'settings',
    'job_logs',
    'jobs',
    'audit_log',
    'refresh_tokens',
    'sessions',
    'group_roles',
    'user_roles',
    'role_permissions',
    'roles',
    'group_members',
    'groups',
    'users',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}

import type { Knex } from 'knex';

/**
 * SMB shares, NFS exports, SMB users and iSCSI targets: the desired state rendered to smb.conf,
 * the exports file and scst.conf (or applied to tgt). Lists are JSON text; timestamps ISO-8601 UTC.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('smb_shares', (t) => {
    t.increments('id').primary();
    t.string('name', 80).notNullable().unique();
    t.string('path', 1024).notNullable();
    t.string('dataset', 256).notNullable();
    t.string('comment', 256).notNullable().defaultTo('');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.boolean('read_only').notNullable().defaultTo(false);
    t.boolean('browseable').notNullable().defaultTo(true);
    t.boolean('guest_ok').notNullable().defaultTo(false);
    t.text('valid_users').notNullable().defaultTo('[]');
    t.text('valid_groups').notNullable().defaultTo('[]');
    t.text('hosts_allow').notNullable().defaultTo('[]');
    t.text('hosts_deny').notNullable().defaultTo('[]');
    t.string('shadow_format', 100);
    t.boolean('recycle_bin').notNullable().defaultTo(false);
    t.boolean('time_machine').notNullable().defaultTo(false);
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
  });
  await knex.schema.createTable('smb_users', (t) => {
    t.integer('user_id').primary().references('users.id').onDelete('CASCADE');
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
  });
  await knex.schema.createTable('nfs_exports', (t) => {
    t.increments('id').primary();
    t.string('path', 1024).notNullable().unique();
    t.string('dataset', 256).notNullable();
    t.string('comment', 256).notNullable().defaultTo('');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.text('clients').notNullable().defaultTo('[]');
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
  });
  await knex.schema.createTable('iscsi_targets', (t) => {
    t.increments('id').primary();
    t.string('name', 223).notNullable().unique();
    t.string('alias', 64).notNullable().defaultTo('');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.text('portals').notNullable().defaultTo('[]');
    t.string('chap_user', 64);
    t.string('chap_secret', 16);
    t.string('mutual_user', 64);
    t.string('mutual_secret', 16);
    t.text('groups').notNullable().defaultTo('[]');
    t.text('luns').notNullable().defaultTo('[]');
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['iscsi_targets', 'nfs_exports', 'smb_users', 'smb_shares']) await knex.schema.dropTableIfExists(table);
}

import type { Knex } from 'knex';

/**
 * Tape (issue 12): the media inventory (one row per cartridge Calypso has seen, physical and
 * virtual), media pools, which drive serial sits at which changer element once a load confirmed
 * it, and the virtual libraries Calypso renders into mhvtl's files. Times are ISO-8601 UTC text.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tape_pools', (t) => {
    t.string('name', 32).primary();
    t.string('description', 200).notNullable().defaultTo('');
    t.bigInteger('retention_seconds').notNullable();
    t.string('allocation', 20).notNullable();
    t.integer('low_writable').notNullable();
    t.string('created_at', 30).notNullable();
  });
  await knex.schema.createTable('tape_media', (t) => {
    t.string('barcode', 32).primary();
    t.string('media_type', 4).nullable();
    t.boolean('virtual').notNullable().defaultTo(false);
    t.string('location_kind', 10).notNullable();
    t.string('library', 64).nullable();
    t.string('library_name', 100).nullable();
    t.integer('slot').nullable();
    t.integer('drive').nullable();
    t.string('vault', 64).nullable();
    t.string('pool', 32).nullable().references('tape_pools.name').onDelete('SET NULL');
    t.string('state', 12).notNullable();
    t.integer('cleaning_uses_left').nullable();
    t.integer('cleaning_uses').notNullable().defaultTo(0);
    t.string('last_seen_at', 30).notNullable();
    t.string('last_written_at', 30).nullable();
    t.string('retain_until_at', 30).nullable();
    t.index(['pool']);
    t.index(['library']);
  });
  await knex.schema.createTable('tape_drive_map', (t) => {
    t.string('library', 64).notNullable();
    t.integer('element').notNullable();
    t.string('serial', 64).notNullable();
    t.string('confirmed_at', 30).notNullable();
    t.primary(['library', 'element']);
  });
  await knex.schema.createTable('vtl_libraries', (t) => {
    t.increments('id').primary();
    t.string('name', 32).notNullable().unique();
    t.integer('library_id').notNullable().unique();
    t.string('emulation', 20).notNullable();
    t.integer('drive_count').notNullable();
    t.string('drive_generation', 8).notNullable();
    t.integer('slots').notNullable();
    t.integer('mail_slots').notNullable();
    t.string('barcode_prefix', 4).notNullable();
    t.integer('barcode_start').notNullable();
    t.integer('cartridges').notNullable();
    t.integer('cleaning_cartridges').notNullable();
    t.bigInteger('capacity_bytes').notNullable();
    t.boolean('compression').notNullable();
    t.string('backing_dataset', 255).notNullable();
    t.string('home_directory', 1024).notNullable();
    t.string('serial', 64).notNullable().unique();
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('vtl_libraries');
  await knex.schema.dropTableIfExists('tape_drive_map');
  await knex.schema.dropTableIfExists('tape_media');
  await knex.schema.dropTableIfExists('tape_pools');
}

import type { Knex } from 'knex';
import type { CallMeta } from './context.js';
import type { EventBus } from './events.js';
import { redact } from './redact.js';
import { nowIso } from './time.js';

export type AuditResult = 'ok' | 'denied' | 'invalid' | 'error';

export interface AuditEntry {
  operation: string;
  target?: string;
  input: unknown;
  result: AuditResult;
  error?: string;
}

/**
 * A value fit for a text column on both databases: PostgreSQL refuses NUL in text, and the
 * target column holds 300 characters. A hostile name must not cost the call its audit row.
 */
function columnText(value: string | undefined, max?: number): string | null {
  if (value === undefined) return null;
  const clean = value.replace(/\0/g, '\\0');
  return max !== undefined && clean.length > max ? `${clean.slice(0, max - 3)}...` : clean;
}

/** Appends one row. The application never updates or deletes audit rows. */
export async function writeAudit(db: Knex, events: EventBus, meta: CallMeta, entry: AuditEntry): Promise<void> {
  const actor = meta.actor;
  const row = {
    at: nowIso(),
    actor_id: actor?.kind === 'user' ? actor.id : null,
    actor_name: actor ? actor.username : 'anonymous',
    face: meta.face,
    address: meta.address ?? null,
    request_id: meta.requestId ?? null,
    operation: entry.operation,
    target: columnText(entry.target, 300),
    input: JSON.stringify(redact(entry.input) ?? null),
    result: entry.result,
    error: columnText(entry.error),
  };
  await db('audit_log').insert(row);
  events.publish({ type: 'audit', entry: { ...row, input: undefined } });
}

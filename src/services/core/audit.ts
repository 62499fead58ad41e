import type { Knex } from 'knex';
import type { CallMeta } from './context.js';
import type { EventBus } from './events.js';
import { redact } from './redact.js';
import { nowIso } from '../../contracts/time.js';

/**
 * 'attempted': written before a mutating handler runs and completed to its outcome after, so a
 * change whose process died before the answer still has its row.
 */
export type AuditResult = 'attempted' | 'ok' | 'denied' | 'invalid' | 'error';

export interface AuditEntry {
  operation: string;
  target?: string;
  input: unknown;
  result: AuditResult;
  error?: string;
}

/** Bytes of JSON kept of an input: hostile megabyte strings must not bloat the log. */
export const MAX_AUDITED_INPUT = 8192;

/** Widths of the audit_log columns (migrations/001_foundation.ts); text columns get a bound too. */
const WIDTH = { actor_name: 64, face: 16, address: 100, request_id: 64, operation: 100, target: 300, result: 16, error: 2000 } as const;

/**
 * A value fit for a column on both databases: PostgreSQL refuses NUL in text and a value over
 * a string(N) column's width. Whatever a caller sent, the call must not lose its audit row.
 */
function columnText(value: string | undefined | null, max: number): string | null {
  if (value === undefined || value === null) return null;
  const clean = value.replace(/\0/g, '\\0');
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean;
}

/** The input as stored: secrets redacted first, then bounded (a cut JSON text could no longer be redacted). */
export function auditedInputText(input: unknown): string {
  try {
    const text = JSON.stringify(redact(input ?? null) ?? null);
    return text.length > MAX_AUDITED_INPUT ? JSON.stringify({ truncated: text.slice(0, MAX_AUDITED_INPUT) }) : text;
  } catch {
    return JSON.stringify({ unserializable: true });
  }
}

type AuditRow = {
  at: string;
  actor_id: number | null;
  actor_name: string;
  face: string;
  address: string | null;
  request_id: string | null;
  operation: string;
  target: string | null;
  input: string;
  result: string;
  error: string | null;
};

function rowOf(meta: CallMeta, entry: AuditEntry): AuditRow {
  const actor = meta.actor;
  return {
    at: nowIso(),
    actor_id: actor?.kind === 'user' ? actor.id : null,
    actor_name: columnText(actor ? actor.username : 'anonymous', WIDTH.actor_name)!,
    face: columnText(meta.face, WIDTH.face)!,
    address: columnText(meta.address, WIDTH.address),
    request_id: columnText(meta.requestId, WIDTH.request_id),
    operation: columnText(entry.operation, WIDTH.operation)!,
    target: columnText(entry.target, WIDTH.target),
    input: auditedInputText(entry.input),
    result: entry.result,
    error: columnText(entry.error, WIDTH.error),
  };
}

function publish(events: EventBus, row: AuditRow & { id?: number }): void {
  events.publish({ type: 'audit', entry: { ...row, input: undefined } });
}

async function insertRow(db: Knex, row: AuditRow): Promise<number> {
  const [inserted] = await db('audit_log').insert(row).returning('id');
  return Number((inserted as { id?: unknown })?.id ?? inserted);
}

/** Appends one finished row (a call refused before its handler ran, or one not worth an 'attempted' row). */
export async function writeAudit(db: Knex, events: EventBus, meta: CallMeta, entry: AuditEntry): Promise<void> {
  const row = rowOf(meta, entry);
  await db('audit_log').insert(row);
  publish(events, row);
}

/** A row written before a change, completed by finish(). */
export interface OpenAudit {
  id: number;
  finish(outcome: { result: Exclude<AuditResult, 'attempted'>; error?: string; target?: string }): Promise<void>;
}

/**
 * Writes the 'attempted' row before the handler runs. Its completion is the one update the
 * application makes to the audit log: result, error and target, never the input, who or when.
 */
export async function beginAudit(db: Knex, events: EventBus, meta: CallMeta, entry: Omit<AuditEntry, 'result'>): Promise<OpenAudit> {
  const row = rowOf(meta, { ...entry, result: 'attempted' });
  const id = await insertRow(db, row);
  return {
    id,
    finish: async ({ result, error, target }) => {
      const change = { result, error: columnText(error, WIDTH.error), ...(target !== undefined ? { target: columnText(target, WIDTH.target) } : {}) };
      await db('audit_log').where({ id }).update(change);
      publish(events, { ...row, ...change, id });
    },
  };
}

export interface AnonymousAuditOptions {
  /** Compact rows per address and window; the rest are counted into one summary row. Default 20. */
  perWindow?: number;
  /** Window length. Default one minute. */
  windowMs?: number;
  /** Addresses tracked at once; past it, new addresses share one window. Default 10,000. */
  maxAddresses?: number;
  now?: () => number;
}

interface Window {
  face: CallMeta['face'];
  address: string | undefined;
  start: number;
  written: number;
  suppressed: number;
  operations: Map<string, number>;
}

/** The window addresses share once maxAddresses are tracked. */
const OVERFLOW = '\u0000overflow';

/**
 * Failed calls without a caller (a wrong login, a write without a token) cost nothing to send,
 * so they are recorded compactly (operation, target, address, reason; never the input) and at
 * most `perWindow` of them per address and window; the rest are counted, and one summary row
 * ("N more denied anonymous calls from ADDR in the last minute") is written when the window
 * closes: at the address's next failure after it, at sweep(), or at flush().
 */
export class AnonymousAudit {
  readonly perWindow: number;
  readonly windowMs: number;
  readonly maxAddresses: number;
  private readonly now: () => number;
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly db: Knex,
    private readonly events: EventBus,
    opts: AnonymousAuditOptions = {},
  ) {
    this.perWindow = opts.perWindow ?? 20;
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxAddresses = opts.maxAddresses ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Addresses with an open window (bounded by maxAddresses + 1). */
  get tracked(): number {
    return this.windows.size;
  }

  async record(meta: CallMeta, entry: AuditEntry): Promise<void> {
    const now = this.now();
    const pending: Promise<void>[] = [];
    let key = `${meta.face} ${meta.address ?? ''}`;
    let w = this.windows.get(key);
    if (w && now - w.start >= this.windowMs) {
      pending.push(this.close(key, w));
      w = undefined;
    }
    if (!w && this.windows.size >= this.maxAddresses) {
      for (const [k, open] of this.windows) if (now - open.start >= this.windowMs) pending.push(this.close(k, open));
      if (this.windows.size >= this.maxAddresses) {
        key = OVERFLOW;
        w = this.windows.get(key);
        if (w && now - w.start >= this.windowMs) {
          pending.push(this.close(key, w));
          w = undefined;
        }
      }
    }
    if (!w) {
      w = { face: meta.face, address: key === OVERFLOW ? undefined : meta.address, start: now, written: 0, suppressed: 0, operations: new Map() };
      this.windows.set(key, w);
    }
    if (w.written < this.perWindow) {
      w.written++;
      pending.push(
        writeAudit(this.db, this.events, meta, { operation: entry.operation, target: entry.target, input: null, result: entry.result, error: entry.error }),
      );
    } else {
      w.suppressed++;
      // Operation names come from the registry (an unknown one is refused before the audit).
      w.operations.set(entry.operation, (w.operations.get(entry.operation) ?? 0) + 1);
    }
    await Promise.all(pending);
  }

  /** Writes the summaries of windows that have closed. */
  async sweep(): Promise<void> {
    const now = this.now();
    await Promise.all([...this.windows].filter(([, w]) => now - w.start >= this.windowMs).map(([k, w]) => this.close(k, w)));
  }

  /** Writes every pending summary (at shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.windows].map(([k, w]) => this.close(k, w)));
  }

  private async close(key: string, w: Window): Promise<void> {
    this.windows.delete(key);
    if (w.suppressed === 0) return;
    const from = key === OVERFLOW ? 'other addresses (too many to track one by one)' : (w.address ?? `the ${w.face}`);
    const span = this.windowMs === 60_000 ? 'the last minute' : `${Math.round(this.windowMs / 1000)} s`;
    await writeAudit(
      this.db,
      this.events,
      { actor: null, face: w.face, address: w.address },
      {
        operation: 'audit.anonymous.suppressed',
        input: {
          suppressed: w.suppressed,
          from: new Date(w.start).toISOString(),
          operations: Object.fromEntries([...w.operations].sort((a, b) => b[1] - a[1]).slice(0, 20)),
        },
        result: 'denied',
        error: `${w.suppressed} more denied anonymous calls from ${from} in ${span}`,
      },
    );
  }
}

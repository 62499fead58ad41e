/**
 * Following a log (issue 15, "over the API ... as a stream"): new lines of Calypso's own log or
 * of the system journal, filtered like the paged reads, delivered to a sink (the API writes them
 * as Server-Sent Events). Each stream polls on its own timer, one poll at a time, and stops the
 * moment it is closed. Calypso's log is read forward from a byte offset (only the bytes appended
 * since, a bounded amount a poll); the journal through `journalctl --after-cursor`. Every item has
 * a position (the byte offset after the line, the entry's cursor) from which a reconnect resumes.
 * Needs appliance.logs, like the paged reads; a user may hold only a few streams at once.
 */
import type { LogStreamQuery } from '../../contracts/appliance.js';
import { permissionVerdict } from '../../contracts/core.js';
import type { Host } from '../../system/host.js';
import { logFileSize, readLinesForward } from '../../system/logfile.js';
import { JOURNAL_CURSOR, JournalCursorError, SystemdAdapter } from '../../system/systemd/index.js';
import type { UserActor } from '../core/context.js';
import { Forbidden, TooManyRequests, ValidationError, publicMessage } from '../core/errors.js';
import { calypsoLineFilter, readLine } from './logs.js';

export interface LogStreamSink {
  /** One line or entry; `id` is the position a reconnect resumes after. */
  item(id: string, data: unknown): void;
  /** Something the follower must know about: the log was truncated or rotated, a resume was not possible, the log is gone. */
  notice(event: 'truncated' | 'reset' | 'unavailable' | 'error', data: Record<string, unknown>): void;
  /** Where the stream starts (the id to resume from if nothing else arrives). */
  ready(id: string | null, data: Record<string, unknown>): void;
}

export interface LogStreamOptions {
  /** How often the log is polled (default 1 s). */
  pollMs?: number;
  /** Streams one user may hold at once (default 4). */
  maxPerUser?: number;
  /** Bytes of Calypso's log read a poll at most (default 1 MiB): a burst is spread over polls. */
  maxBytesPerPoll?: number;
}

const CALYPSO_ID = /^\d{1,16}$/;

export class LogStreams {
  private readonly perUser = new Map<number, number>();
  private readonly pollMs: number;
  private readonly maxPerUser: number;
  private readonly maxBytes: number;

  constructor(
    private readonly deps: { host: Host; logFile: () => string | null },
    opts: LogStreamOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 1000;
    this.maxPerUser = opts.maxPerUser ?? 4;
    this.maxBytes = opts.maxBytesPerPoll ?? 1024 * 1024;
  }

  /** Streams open now (all users). */
  get open(): number {
    let n = 0;
    for (const v of this.perUser.values()) n += v;
    return n;
  }

  /**
   * Checks the caller and the resume position (refusals are thrown before anything is written),
   * then starts following; the returned function stops it.
   */
  start(actor: UserActor, q: LogStreamQuery, lastEventId: string | undefined, sink: LogStreamSink): () => void {
    if (permissionVerdict('appliance.logs', actor.permissions) !== 'ok')
      throw new Forbidden(`following the logs needs the appliance.logs permission, which your roles (${actor.roles.join(', ') || 'no role'}) do not grant`);
    if (lastEventId !== undefined && !(q.source === 'calypso' ? CALYPSO_ID : JOURNAL_CURSOR).test(lastEventId)) {
      throw new ValidationError(`Last-Event-ID is not a position in the ${q.source} log`, [
        { path: 'Last-Event-ID', message: q.source === 'calypso' ? 'a byte offset this stream sent' : 'a journal cursor this stream sent' },
      ]);
    }
    const held = this.perUser.get(actor.id) ?? 0;
    if (held >= this.maxPerUser) throw new TooManyRequests(`you already follow ${held} logs: close one first`, 5);
    this.perUser.set(actor.id, held + 1);
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const poll = q.source === 'calypso' ? this.calypso(q, lastEventId, sink) : this.journal(q, lastEventId, sink);
    const loop = async () => {
      try {
        if (!(await poll())) return stop();
      } catch (err) {
        if (stopped) return;
        sink.notice('error', { message: publicMessage(err) });
        return stop();
      }
      if (!stopped) timer = setTimeout(() => void loop(), this.pollMs);
    };
    const stop = () => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      const n = (this.perUser.get(actor.id) ?? 1) - 1;
      if (n > 0) this.perUser.set(actor.id, n);
      else this.perUser.delete(actor.id);
    };
    void loop();
    return stop;
  }

  /** A poller of Calypso's log; each call answers whether to go on. */
  private calypso(q: LogStreamQuery, lastEventId: string | undefined, sink: LogStreamSink): () => Promise<boolean> {
    const match = calypsoLineFilter(q.level ?? 'trace', q.text);
    let from: number | null = lastEventId !== undefined ? Number(lastEventId) : (q.after ?? null);
    let file: string | null = null;
    return async () => {
      if (from === null) {
        file = this.deps.logFile();
        if (!file) {
          sink.notice('unavailable', { reason: 'this daemon logs nowhere readable' });
          return false;
        }
        from = await logFileSize(file);
        sink.ready(String(from), { source: 'calypso', file });
        return true;
      }
      if (file === null) {
        file = this.deps.logFile();
        if (!file) {
          sink.notice('unavailable', { reason: 'this daemon logs nowhere readable' });
          return false;
        }
        sink.ready(String(from), { source: 'calypso', file });
      }
      let read;
      try {
        read = await readLinesForward(file, { from, maxBytes: this.maxBytes });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true; // rotated away; the new file comes
        throw err;
      }
      if (read.restarted) sink.notice('truncated', { reason: 'the log is shorter than before (truncated or rotated): following from its start', from: 0 });
      for (const l of read.lines) {
        if (!match(l.text)) continue;
        sink.item(String(l.end), readLine(l.offset, l.text));
      }
      from = read.next;
      return true;
    };
  }

  /** A poller of the journal; each call answers whether to go on. */
  private journal(q: LogStreamQuery, lastEventId: string | undefined, sink: LogStreamSink): () => Promise<boolean> {
    const systemd = new SystemdAdapter(this.deps.host);
    let cursor: string | undefined = lastEventId;
    let started = false;
    const filters = { unit: q.unit, priority: q.priority ?? 7, text: q.text, limit: 1000 };
    return async () => {
      try {
        if (cursor === undefined) {
          // The newest entry of the whole journal is where following starts (it is not sent).
          const newest = await systemd.follow(filters);
          cursor = newest.at(-1)?.cursor;
          if (cursor === undefined) return true; // an empty journal: ask again
        }
        if (!started) {
          started = true;
          sink.ready(cursor, { source: 'journal' });
        }
        const entries = await systemd.follow({ ...filters, afterCursor: cursor });
        for (const { cursor: id, ...entry } of entries) {
          sink.item(id, entry);
          cursor = id;
        }
        return true;
      } catch (err) {
        if (err instanceof JournalCursorError) {
          sink.notice('reset', { reason: 'the journal no longer has the entry to resume after: following from its end' });
          cursor = undefined;
          started = false;
          return true;
        }
        if (SystemdAdapter.absent(err)) {
          sink.notice('unavailable', { reason: 'this machine has no journal to read' });
          return false;
        }
        throw err;
      }
    };
  }
}

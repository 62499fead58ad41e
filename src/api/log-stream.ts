/**
 * GET /api/v1/appliance/logs/stream: new lines of Calypso's own log or of the system journal as
 * Server-Sent Events, with the paged reads' filters (issue 15). Written, authenticated, kept alive
 * and cut off when too far behind exactly like the event stream (./sse.ts); what is followed and
 * how is the service layer's (LogStreams). Each item's id is its position (the byte offset after
 * the line, the journal entry's cursor): a reconnect with Last-Event-ID resumes after it.
 */
import { logStreamQuery } from '../contracts/appliance.js';
import { permissionVerdict } from '../contracts/core.js';
import { describeIssues, summarizeFieldErrors } from '../contracts/input-errors.js';
import { ValidationError, type Calypso } from '../services/index.js';
import { LogStreams, type LogStreamOptions } from '../services/appliance/log-stream.js';
import { API_PREFIX, type RouteMount } from './server.js';
import { openSse, sseActor, type SseOptions } from './sse.js';

export const LOG_STREAM_PATH = `${API_PREFIX}/appliance/logs/stream`;

export interface LogStreamMountOptions extends SseOptions, LogStreamOptions {
  /** Calypso's log file (default: the one the daemon's About names). */
  logFile?: () => string | null;
}

export function logStreamMount(app: Calypso, opts: LogStreamMountOptions = {}): RouteMount & { streams: LogStreams } {
  const streams = new LogStreams({ host: app.host, logFile: opts.logFile ?? (() => app.about.logFile) }, opts);
  const mount = (router: Parameters<RouteMount>[0]) => {
    router.get(LOG_STREAM_PATH, async (ctx) => {
      const auth = await sseActor(app, ctx, 'the log stream');
      const parsed = logStreamQuery.safeParse(ctx.query);
      if (!parsed.success) {
        const errors = describeIssues(logStreamQuery, ctx.query, parsed.error.issues);
        throw new ValidationError(summarizeFieldErrors(errors), errors);
      }
      const lastEventId = ctx.get('Last-Event-ID') || undefined;
      let stream: ReturnType<typeof openSse> | null = null;
      const early: (() => void)[] = [];
      // Refusals (permission, a bad Last-Event-ID, too many streams) are thrown before the stream opens.
      const stop = streams.start(auth.actor, parsed.data, lastEventId, {
        item: (id, data) => (stream ? stream.send(id, 'line', data) : early.push(() => stream?.send(id, 'line', data))),
        ready: (id, data) => (stream ? stream.send(id, 'ready', data) : early.push(() => stream?.send(id, 'ready', data))),
        notice: (event, data) => {
          const write = () => {
            stream?.send(null, event, data);
            if (event === 'unavailable' || event === 'error') stream?.close();
          };
          if (stream) write();
          else early.push(write);
        },
      });
      stream = openSse(app, ctx, auth, opts);
      stream.onClose(stop);
      // The permission is checked again at every heartbeat (a role changed, a user disabled): the stream ends with the reason.
      const recheck = setInterval(() => {
        if (!stream || stream.closed || permissionVerdict('appliance.logs', stream.actor().permissions) === 'ok') return;
        stream.send(null, 'end', { reason: 'your roles no longer grant appliance.logs' });
        stream.close();
      }, opts.heartbeatMs ?? 15_000);
      recheck.unref();
      stream.onClose(() => clearInterval(recheck));
      for (const fn of early.splice(0)) fn();
    });
  };
  return Object.assign(mount, { streams });
}

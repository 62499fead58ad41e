/** Shared pieces of the monitoring tests: a hand-moved clock, scripted probes, an SSE reader, loopback sinks. */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { MetricValue } from '../../src/services/monitoring/metrics.js';
import type { Probe } from '../../src/services/monitoring/probes.js';

export const T0 = Date.parse('2026-03-01T12:00:00Z');

export function manualClock(start = T0) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    set: (ms: number) => {
      now = ms;
    },
  };
}

/** A probe whose answers the test sets: values, a failure, or a hang. */
export function scriptedProbe(name: string, provides: string[]) {
  const state = { values: [] as MetricValue[], fail: null as string | null, hang: false };
  let hung: (() => void)[] = [];
  const probe: Probe = {
    name,
    provides,
    timeoutMs: 200,
    collect: async () => {
      if (state.hang) return new Promise<MetricValue[]>((resolve) => hung.push(() => resolve([])));
      if (state.fail) throw new Error(state.fail);
      return state.values.map((v) => ({ ...v, labels: { ...v.labels } }));
    },
  };
  return {
    probe,
    state,
    /** Lets hung collections finish. */
    release() {
      state.hang = false;
      for (const f of hung) f();
      hung = [];
    },
    set(values: [string, number, Record<string, string>?][]) {
      state.values = values.map(([n, value, labels]) => ({ name: n, value, labels: labels ?? {} }));
    },
  };
}

export interface SseEvent {
  id?: string;
  event: string;
  data: any;
}

/** Reads a text/event-stream over a real HTTP connection. */
export class SseReader {
  readonly events: SseEvent[] = [];
  comments: string[] = [];
  private buffer = '';
  private waiters: (() => void)[] = [];
  ended = false;
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  private req: http.ClientRequest | null = null;

  static open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const reader = new SseReader();
    return new Promise((resolve, reject) => {
      reader.req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        reader.status = res.statusCode ?? 0;
        reader.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => reader.feed(chunk));
        res.on('end', () => {
          reader.ended = true;
          reader.wake();
        });
        resolve(reader);
      });
      reader.req.on('error', (err) => (reader.status ? undefined : reject(err)));
    });
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let idx: number;
    while ((idx = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, idx);
      this.buffer = this.buffer.slice(idx + 2);
      const ev: SseEvent = { event: 'message', data: null };
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('data: ')) data += line.slice(6);
        else if (line.startsWith('event: ')) ev.event = line.slice(7);
        else if (line.startsWith('id: ')) ev.id = line.slice(4);
      }
      if (data) {
        ev.data = JSON.parse(data);
        this.events.push(ev);
      }
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits (up to timeoutMs) for an event that satisfies `pred`, counting from the start of the stream. */
  async waitFor(pred: (e: SseEvent) => boolean, timeoutMs = 5000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(pred);
      if (found) return found;
      if (this.ended) throw new Error(`stream ended before the event; got ${this.events.map((e) => e.event).join(', ')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no such event within ${timeoutMs} ms; got ${this.events.map((e) => e.event).join(', ')}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async waitForEnd(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('stream did not end');
      await new Promise<void>((r) => {
        const t = setTimeout(r, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  close(): void {
    this.req?.destroy();
  }
}

export interface WebhookHit {
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** A webhook receiver on loopback: answers with the scripted statuses in turn, then 200. */
export async function webhookSink(statuses: number[] = []) {
  const hits: WebhookHit[] = [];
  const script = [...statuses];
  let waiters: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hits.push({ headers: req.headers, body: JSON.parse(body) });
      res.statusCode = script.shift() ?? 200;
      res.end();
      const w = waiters;
      waiters = [];
      w.forEach((f) => f());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    hits,
    async waitFor(n: number, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (hits.length < n) {
        if (Date.now() > deadline) throw new Error(`webhook got ${hits.length} of ${n} posts`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, 50);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
      return hits;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export interface Mail {
  from: string;
  to: string[];
  auth: string | null;
  data: string;
}

/**
 * A minimal SMTP server on loopback (RFC 5321 subset: EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA,
 * RSET, NOOP, QUIT): enough for a real client to deliver, and records each message.
 */
export async function smtpSink(opts: { user?: string; pass?: string } = {}) {
  const mails: Mail[] = [];
  const server = net.createServer((sock) => {
    sock.setEncoding('utf8');
    let buf = '';
    let inData = false;
    let cur: Mail = { from: '', to: [], auth: null, data: '' };
    const reply = (line: string) => sock.write(`${line}\r\n`);
    reply('220 sink.test ESMTP ready');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let idx: number;
      while ((idx = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, idx);
        buf = buf.slice(idx + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            mails.push(cur);
            cur = { from: '', to: [], auth: cur.auth, data: '' };
            reply('250 2.0.0 queued');
          } else {
            cur.data += `${line.startsWith('..') ? line.slice(1) : line}\n`;
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') sock.write('250-sink.test\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n');
        else if (verb === 'HELO') reply('250 sink.test');
        else if (verb === 'AUTH') {
          const decoded = Buffer.from(line.split(' ')[2] ?? '', 'base64')
            .toString('utf8')
            .split('\0');
          if (opts.user && (decoded[1] !== opts.user || decoded[2] !== opts.pass)) reply('535 5.7.8 bad credentials');
          else {
            cur.auth = decoded[1] ?? null;
            reply('235 2.7.0 ok');
          }
        } else if (verb === 'MAIL') {
          cur.from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          reply('250 2.1.0 ok');
        } else if (verb === 'RCPT') {
          cur.to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          reply('250 2.1.5 ok');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 end with .');
        } else if (verb === 'RSET') {
          cur = { from: '', to: [], auth: cur.auth, data: '' };
          reply('250 ok');
        } else if (verb === 'NOOP') reply('250 ok');
        else if (verb === 'QUIT') {
          reply('221 bye');
          sock.end();
        } else reply('502 5.5.2 not implemented');
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    mails,
    async waitFor(n: number, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (mails.length < n) {
        if (Date.now() > deadline) throw new Error(`SMTP sink got ${mails.length} of ${n} mails`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return mails;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

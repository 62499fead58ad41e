/**
 * The load generator, run as a child process of bench/run.ts so that autocannon never shares
 * an event loop with the server it measures. It receives one scenario at a time over IPC and
 * answers with the summarized autocannon result.
 */
import http from 'node:http';
import autocannon, { type RequestSpec, type Result } from 'autocannon';

export type ScenarioName = 'baseline' | 'pools' | 'datasets' | 'write' | 'alerts' | 'me' | 'datasetsPrefix' | 'snapshots' | 'writeBounded';

export interface LoadSpec {
  scenario: ScenarioName;
  url: string;
  token?: string;
  connections: number;
  duration: number;
  /** datasets: how many there are, so offsets cover all of them. */
  total?: number;
  /** write: the dataset the snapshots are taken of. */
  dataset?: string;
  /** datasetsPrefix, snapshots: the name prefix the pages are filtered by. */
  prefix?: string;
}

export interface LoadResult {
  requests: number;
  reqPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /** write: snapshot creations and destructions that answered 2xx (each one audited). */
  writesOk: number;
  writesFailed: number;
  /** writeBounded: refused by write admission control (503 + Retry-After: nothing done, nothing audited). */
  writesRefused?: number;
}

let sequence = 0;

function requestsFor(spec: LoadSpec, tally: { ok: number; failed: number }): { method?: string; headers: Record<string, string>; requests?: RequestSpec[] } {
  const headers: Record<string, string> = spec.token ? { authorization: `Bearer ${spec.token}` } : {};
  switch (spec.scenario) {
    case 'baseline':
      return { headers, requests: [{ method: 'GET', path: '/hello' }] };
    case 'pools':
      return { headers, requests: [{ method: 'GET', path: '/api/v1/storage/pools' }] };
    case 'datasets': {
      const pages = Math.max(1, Math.floor((spec.total ?? 50) / 50));
      return {
        headers,
        requests: [
          {
            method: 'GET',
            setupRequest: (req) => ({ ...req, path: `/api/v1/storage/datasets?limit=50&offset=${Math.floor(Math.random() * pages) * 50}` }),
          },
        ],
      };
    }
    case 'alerts':
      return { headers, requests: [{ method: 'GET', path: '/api/v1/alerts' }] };
    case 'me':
      return { headers, requests: [{ method: 'GET', path: '/api/v1/auth/me' }] };
    case 'datasetsPrefix':
    case 'snapshots': {
      const pages = Math.max(1, Math.floor((spec.total ?? 50) / 50));
      const base = spec.scenario === 'snapshots' ? '/api/v1/snapshots' : '/api/v1/storage/datasets';
      const prefix = encodeURIComponent(spec.prefix ?? '');
      return {
        headers,
        requests: [
          {
            method: 'GET',
            setupRequest: (req) => ({ ...req, path: `${base}?limit=50&prefix=${prefix}&offset=${Math.floor(Math.random() * pages) * 50}` }),
          },
        ],
      };
    }
    case 'writeBounded':
      throw new Error('writeBounded is run by its own loop');
    case 'write': {
      const json = { ...headers, 'content-type': 'application/json' };
      const count = (status: number) => (status >= 200 && status < 300 ? tally.ok++ : tally.failed++);
      return {
        headers: json,
        requests: [
          {
            method: 'POST',
            path: '/api/v1/snapshots',
            setupRequest: (req, context) => {
              const name = `bench-${process.pid}-${++sequence}`;
              context.name = name;
              return { ...req, body: JSON.stringify({ dataset: spec.dataset, name }) };
            },
            onResponse: (status, _body, context) => {
              count(status);
              context.created = status === 201;
            },
          },
          {
            method: 'DELETE',
            setupRequest: (req, context) => {
              // A failed creation restarts the sequence instead of deleting what does not exist.
              if (!context.created) return null;
              const full = `${spec.dataset}@${String(context.name)}`;
              return { ...req, path: `/api/v1/snapshots/${encodeURIComponent(full)}`, body: JSON.stringify({ confirm: full }) };
            },
            onResponse: (status) => count(status),
          },
        ],
      };
    }
  }
}

const pct = (sorted: number[], p: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0);

/**
 * writeBounded: `connections` clients, each creating a snapshot and destroying it again, as fast
 * as answers come (a closed loop, like autocannon's). autocannon's latency mixes every answer;
 * here the latency of the ACCEPTED writes is kept apart from the writes the admission bound
 * refused (503 + Retry-After, answered at once), which is what the target is about.
 */
async function writeLoop(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  const accepted: number[] = [];
  let refused = 0;
  let failed = 0;
  let errors = 0;
  const statusCodes: Record<string, number> = {};
  const deadline = Date.now() + spec.duration * 1000;
  const send = (method: string, path: string, body: unknown): Promise<{ status: number; ms: number; retryAfter: number }> =>
    new Promise((resolve) => {
      const t = process.hrtime.bigint();
      const payload = JSON.stringify(body);
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          headers: { authorization: `Bearer ${spec.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          res.resume();
          const retryAfter = Number(res.headers['retry-after'] ?? 0);
          res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - t) / 1e6, retryAfter }));
        },
      );
      req.on('error', () => resolve({ status: 0, ms: Number(process.hrtime.bigint() - t) / 1e6, retryAfter: 0 }));
      req.end(payload);
    });
  // A refused client waits the Retry-After it was given, as the console does (src/client/http.ts).
  const polite = async (r: { status: number; ms: number; retryAfter: number }) => {
    if (r.status === 503 && r.retryAfter > 0)
      await new Promise((resolve) => setTimeout(resolve, Math.min(r.retryAfter * 1000, Math.max(0, deadline - Date.now()))));
    return r;
  };
  const tally = (r: { status: number; ms: number }): boolean => {
    statusCodes[String(r.status)] = (statusCodes[String(r.status)] ?? 0) + 1;
    if (r.status === 0) errors++;
    else if (r.status === 503) refused++;
    else if (r.status >= 200 && r.status < 300) accepted.push(r.ms);
    else failed++;
    return r.status >= 200 && r.status < 300;
  };
  const worker = async (w: number) => {
    for (let i = 0; Date.now() < deadline; i++) {
      const name = `bench-${process.pid}-${w}-${++sequence}`;
      const full = `${spec.dataset}@${name}`;
      if (!tally(await polite(await send('POST', '/api/v1/snapshots', { dataset: spec.dataset, name })))) continue;
      // Until its destruction is taken (a refusal is retried: the snapshot must not pile up).
      while (!tally(await polite(await send('DELETE', `/api/v1/snapshots/${encodeURIComponent(full)}`, { confirm: full }))) && Date.now() < deadline + 10_000);
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: spec.connections }, (_, w) => worker(w)));
  const seconds = (Date.now() - started) / 1000;
  agent.destroy();
  accepted.sort((a, b) => a - b);
  const total = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    requests: total,
    reqPerSec: Math.round(accepted.length / seconds),
    p50: Math.round(pct(accepted, 50)),
    p90: Math.round(pct(accepted, 90)),
    p99: Math.round(pct(accepted, 99)),
    max: Math.round(accepted[accepted.length - 1] ?? 0),
    errors,
    timeouts: 0,
    non2xx: refused + failed,
    statusCodes,
    writesOk: accepted.length,
    writesFailed: failed,
    writesRefused: refused,
  };
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  if (spec.scenario === 'writeBounded') return writeLoop(spec);
  const tally = { ok: 0, failed: 0 };
  const shape = requestsFor(spec, tally);
  const r: Result = await autocannon({ url: spec.url, connections: spec.connections, duration: spec.duration, timeout: 10, ...shape });
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = Number(s.count);
  const total = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    requests: total,
    reqPerSec: Math.round(total / r.duration),
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    statusCodes,
    writesOk: tally.ok,
    writesFailed: tally.failed,
  };
}

export interface EventsSpec {
  url: string;
  token: string;
  subscribers: number;
  duration: number;
  /** The snapshots the writes that produce audit events are taken of. */
  dataset: string;
  pool: string;
}

export interface EventsResult {
  subscribers: number;
  connected: number;
  /** Audit events received, all subscribers together, and their delivery latency (receive time minus the entry's `at`). */
  deliveries: number;
  p50: number;
  p99: number;
  max: number;
  /** Job events (the scrub's progress) received, all subscribers together. */
  jobEvents: number;
  writes: number;
}

/**
 * `subscribers` event streams (types audit and job), a scrub started, and a write every 100 ms
 * for `duration` s: each write's audit entry reaches every subscriber; its delivery latency is the
 * time it arrived minus the entry's `at` (stamped when the row was made, before the database
 * insert: the figure is an upper bound of the bus and the stream's share).
 */
async function eventsLoop(spec: EventsSpec): Promise<EventsResult> {
  const url = new URL(spec.url);
  const latencies: number[] = [];
  let jobEvents = 0;
  let connected = 0;
  const requests: http.ClientRequest[] = [];
  const ready = new Promise<void>((resolveAll) => {
    for (let i = 0; i < spec.subscribers; i++) {
      const req = http.get(
        {
          host: url.hostname,
          port: url.port,
          path: '/api/v1/events?types=audit,job',
          headers: { authorization: `Bearer ${spec.token}`, accept: 'text/event-stream' },
        },
        (res) => {
          res.setEncoding('utf8');
          let buf = '';
          res.on('data', (chunk: string) => {
            const now = Date.now();
            buf += chunk;
            let end = buf.indexOf('\n\n');
            while (end !== -1) {
              const block = buf.slice(0, end);
              buf = buf.slice(end + 2);
              end = buf.indexOf('\n\n');
              const event = /^event: (.*)$/m.exec(block)?.[1];
              const data = /^data: (.*)$/m.exec(block)?.[1];
              if (event === 'ready' && ++connected === spec.subscribers) resolveAll();
              else if (event === 'job') jobEvents++;
              else if (event === 'audit' && data) {
                const at = Date.parse((JSON.parse(data) as { entry: { at: string } }).entry.at);
                if (Number.isFinite(at)) latencies.push(now - at);
              }
            }
          });
        },
      );
      req.on('error', () => undefined);
      requests.push(req);
    }
  });
  await Promise.race([ready, new Promise((r) => setTimeout(r, 30_000))]);
  const call = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${spec.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${spec.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    return res.status;
  };
  await call('POST', `/storage/pools/${encodeURIComponent(spec.pool)}/scrub`, { action: 'start' });
  const deadline = Date.now() + spec.duration * 1000;
  let writes = 0;
  while (Date.now() < deadline) {
    const name = `events-${process.pid}-${++sequence}`;
    if ((await call('POST', '/snapshots', { dataset: spec.dataset, name })) === 201) writes++;
    await new Promise((r) => setTimeout(r, 100));
  }
  // The last entries' deliveries.
  await new Promise((r) => setTimeout(r, 1000));
  await call('POST', `/storage/pools/${encodeURIComponent(spec.pool)}/scrub`, { action: 'stop' }).catch(() => 0);
  for (const r of requests) r.destroy();
  latencies.sort((a, b) => a - b);
  return {
    subscribers: spec.subscribers,
    connected,
    deliveries: latencies.length,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    max: latencies[latencies.length - 1] ?? 0,
    jobEvents,
    writes,
  };
}

process.on('message', (msg: { id: number; spec: LoadSpec; events?: EventsSpec }) => {
  if (msg.events) {
    eventsLoop(msg.events).then(
      (result) => process.send?.({ id: msg.id, result }),
      (err: Error) => process.send?.({ id: msg.id, error: err.stack ?? String(err) }),
    );
    return;
  }
  run(msg.spec).then(
    (result) => process.send?.({ id: msg.id, result }),
    (err: Error) => process.send?.({ id: msg.id, error: err.stack ?? String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));

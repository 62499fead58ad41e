/**
 * The load generator, run as a child process of bench/run.ts so that autocannon never shares
 * an event loop with the server it measures. It receives one scenario at a time over IPC and
 * answers with the summarized autocannon result.
 */
import autocannon, { type RequestSpec, type Result } from 'autocannon';

export type ScenarioName = 'baseline' | 'pools' | 'datasets' | 'write';

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

async function run(spec: LoadSpec): Promise<LoadResult> {
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

process.on('message', (msg: { id: number; spec: LoadSpec }) => {
  run(msg.spec).then(
    (result) => process.send?.({ id: msg.id, result }),
    (err: Error) => process.send?.({ id: msg.id, error: err.stack ?? String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));

import autocannon = require('autocannon');

/**
 * The load generator, in a process of its own (forked by the runner, spoken to over IPC) so that generating load
 * never shares an event loop or a CPU account with the app under test.
 * Message in: { id, url, connections, durationS, headers }. Message out: { id, result } or { id, error }.
 */
export interface LoadRequest {
  id: number;
  url: string;
  connections: number;
  durationS: number;
  headers: Record<string, string>;
}

export interface LoadResult {
  /** Responses received (any status). */
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Wall time autocannon ran, seconds. */
  durationS: number;
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

process.on('message', (m: LoadRequest) => {
  run(m).then(
    (result) => process.send?.({ id: m.id, result }),
    (err: Error) => process.send?.({ id: m.id, error: err.stack ?? String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));

async function run(m: LoadRequest): Promise<LoadResult> {
  const r = await autocannon({
    url: m.url,
    connections: m.connections,
    duration: m.durationS,
    headers: m.headers,
    method: 'GET',
  });
  const requests = r['2xx'] + r.non2xx;
  const durationS = r.duration;
  return {
    requests,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    durationS,
    rps: durationS > 0 ? requests / durationS : 0,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: r.latency.average },
  };
}

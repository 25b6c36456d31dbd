import type { HttpClient, HttpResult } from './http-client';

export interface FailoverObservation {
  /** The first 200, or undefined when none came before the deadline. */
  recovered?: HttpResult;
  /** ms from `since` to that 200. */
  recoveryMs: number;
  /** How many 503s came before it. */
  unavailable: number;
  /** The slowest answer seen, in ms. */
  slowestMs: number;
}

/**
 * Polls GET `path` through a failover until it answers 200, judging each answer as it comes: anything but 503 or
 * 200, or an answer slower than `maxAnswerMs`, fails at once with every answer seen so far (never a 500, never a
 * hang). Used by the Sentinel and Cluster suites, which measure the same thing.
 */
export async function pollThroughFailover(
  client: HttpClient, opts: { since: number; maxAnswerMs: number; deadlineMs: number; path?: string },
): Promise<FailoverObservation> {
  const answers: HttpResult[] = [];
  let recovered: HttpResult | undefined;
  while (performance.now() - opts.since < opts.deadlineMs) {
    const res = await client.get(opts.path ?? '/me');
    answers.push(res);
    if (res.ms >= opts.maxAnswerMs || (res.status !== 503 && res.status !== 200)) {
      const seen = answers.map((a) => `${a.status} in ${Math.round(a.ms)} ms`).join(', ');
      throw new Error(`during the failover GET must answer 503 or 200 within ${opts.maxAnswerMs} ms; got: ${seen}`);
    }
    if (res.status === 200) {
      recovered = res;
      break;
    }
    // Paced, not a wait for an event: each probe is a request a real client would make during the outage.
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    recovered,
    recoveryMs: Math.round(performance.now() - opts.since),
    unavailable: answers.filter((a) => a.status === 503).length,
    slowestMs: Math.round(Math.max(...answers.map((a) => a.ms))),
  };
}

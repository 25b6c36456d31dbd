/**
 * Bounded waiting for tests: poll a condition until a deadline, never a bare sleep whose length is a guess.
 */
export interface WaitOptions {
  /** Give up after this many ms. @default 5000 */
  timeoutMs?: number;
  /** Pause between attempts, in ms. @default 25 */
  intervalMs?: number;
  /** Named in the timeout error. */
  what?: string;
}

/**
 * Calls `probe` until `done(value)` holds, returning that value; fails with the last value seen when the deadline
 * passes. Errors thrown by `probe` count as "not yet" (useful while a server restarts).
 */
export async function waitFor<T>(
  probe: () => Promise<T>, done: (value: T) => boolean, opts: WaitOptions = {},
): Promise<T> {
  const { timeoutMs = 5000, intervalMs = 25, what = 'condition' } = opts;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (done(value)) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last: ${describe(last)}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function describe(v: unknown): string {
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

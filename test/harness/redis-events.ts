import { Redis } from 'ioredis';

/**
 * Records Redis `expired` keyspace events so a test can await a key's expiry instead of sleeping past it.
 * Adds `E` and `x` to `notify-keyspace-events` with CONFIG SET, so use it only on a private server.
 */
export class KeyExpiryWatcher {
  private readonly seen = new Map<string, number>();
  private readonly waiters = new Map<string, Array<(at: number) => void>>();

  private constructor(private readonly sub: Redis) {
    sub.on('pmessage', (_pattern: string, _channel: string, key: string) => {
      const at = Date.now();
      this.seen.set(key, at);
      for (const resolve of this.waiters.get(key) ?? []) resolve(at);
      this.waiters.delete(key);
    });
  }

  static async start(url: string, admin: Redis): Promise<KeyExpiryWatcher> {
    // Add E and x to whatever is set (the library may have set flags of its own, e.g. 'e' for evictions).
    const [, current = ''] = (await admin.config('GET', 'notify-keyspace-events')) as unknown as string[];
    const merged = [...new Set([...current, 'E', 'x'])].join('');
    if (merged !== current) await admin.config('SET', 'notify-keyspace-events', merged);
    const sub = new Redis(url, { protocol: 2, lazyConnect: true, maxRetriesPerRequest: 1 });
    sub.on('error', () => undefined);
    await sub.connect();
    await sub.psubscribe('__keyevent@*__:expired');
    return new KeyExpiryWatcher(sub);
  }

  /** Resolves with the local time (Date.now()) the key's expiry was reported; rejects after `timeoutMs`. */
  expired(key: string, timeoutMs: number): Promise<number> {
    const already = this.seen.get(key);
    if (already !== undefined) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const list = this.waiters.get(key) ?? [];
        this.waiters.set(key, list.filter((r) => r !== done));
        reject(new Error(`key ${key} did not expire within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (at: number) => {
        clearTimeout(timer);
        resolve(at);
      };
      this.waiters.set(key, [...(this.waiters.get(key) ?? []), done]);
    });
  }

  /** Whether an expiry of the key has been reported so far. */
  hasExpired(key: string): boolean {
    return this.seen.has(key);
  }

  close(): void {
    this.sub.disconnect();
  }
}

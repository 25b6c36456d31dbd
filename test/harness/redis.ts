import { Redis } from 'ioredis';
import { RedisServerProcess } from '../../tools/redis-server.process';

export { RedisServerProcess };

/**
 * A Redis for one suite: a private redis-server on a free port (never 6379), or the server REDIS_URL names.
 * Suites isolate themselves with a random key prefix, so nothing is ever flushed on a shared server.
 */
export interface TestRedis {
  url: string;
  /** A plain client for assertions (RESP2, like the library's). */
  client: Redis;
  /** The private process, when there is one (fault tests need it). */
  server?: RedisServerProcess;
  close(): Promise<void>;
}

export async function startTestRedis(args: string[] = [], opts: { private?: boolean } = {}): Promise<TestRedis> {
  const external = process.env.REDIS_URL;
  let server: RedisServerProcess | undefined;
  let url: string;
  if (external && !opts.private && args.length === 0) {
    url = external;
  } else {
    server = await new RedisServerProcess(args).start();
    url = server.url;
  }
  const client = new Redis(url, { protocol: 2, lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  await client.connect();
  return {
    url,
    client,
    server,
    async close() {
      client.disconnect();
      await server?.dispose();
    },
  };
}

/** A key prefix no other suite or run uses. */
export function uniquePrefix(name: string): string {
  return `t:${name}:${Math.random().toString(36).slice(2, 8)}:`;
}

/** Every key under a prefix, via SCAN (never KEYS). */
export async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/** Total number of calls Redis has served so far (INFO commandstats), for counting commands per request. */
export async function commandCalls(client: Redis): Promise<Record<string, number>> {
  const info = await client.info('commandstats');
  const out: Record<string, number> = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out[m[1]] = Number(m[2]);
  return out;
}

import { Cluster, Redis, RedisOptions } from 'ioredis';
import type { ResolvedSessionOptions, SessionRedisConnection } from '../session.options';

/**
 * Settings for connections the library opens. ioredis's defaults suit a cache: an offline queue and 20 retries
 * per command mean a request waits while Redis is down. A session check must instead fail within its budget:
 * - no offline queue: while disconnected, commands fail at once (503) instead of piling up;
 * - no retries per command: a command lost with its connection fails instead of being replayed later
 *   (a replayed login could create a session nobody receives);
 * - a command timeout: a slow or hung server answers 503 within `redisCommandTimeoutMs`;
 * - RESP2: RESP3 buys nothing here, and invalidation messages arrive as plain Pub/Sub messages on RESP2;
 * - reconnect quickly (capped at 1 s), forever, so the app recovers on its own.
 * @internal
 */
export function failFastOptions(options: ResolvedSessionOptions, role: 'cmd' | 'sub'): RedisOptions {
  return {
    protocol: 2,
    enableOfflineQueue: role === 'sub',
    maxRetriesPerRequest: role === 'sub' ? null : 0,
    commandTimeout: role === 'sub' ? undefined : options.redisCommandTimeoutMs,
    connectTimeout: Math.max(options.redisCommandTimeoutMs, 2000),
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    connectionName: `session:${role}`,
    lazyConnect: true,
  };
}

export function isRedisClient(value: unknown): value is Redis | Cluster {
  return value instanceof Redis || value instanceof Cluster;
}

/** Opens a client for a connection description. A client the app passed in is returned as is. @internal */
export function createRedisClient(
  connection: SessionRedisConnection, options: ResolvedSessionOptions, role: 'cmd' | 'sub',
): Redis | Cluster {
  const failFast = failFastOptions(options, role);
  if (isRedisClient(connection)) return connection;
  if (typeof connection === 'string') return new Redis(connection, failFast);
  if ('cluster' in connection && connection.cluster) {
    const { nodes, options: clusterOptions } = connection.cluster;
    return new Cluster(nodes as never, {
      ...clusterOptions,
      enableOfflineQueue: failFast.enableOfflineQueue,
      lazyConnect: true,
      clusterRetryStrategy: failFast.retryStrategy as never,
      redisOptions: { ...failFast, ...(clusterOptions?.redisOptions as object) },
    });
  }
  return new Redis({ ...failFast, ...(connection as RedisOptions) });
}

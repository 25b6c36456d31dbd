import { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { ResolvedSessionOptions, SessionRedisConnection } from '../options/session.options';
import { isRedisClient } from './redis.topology';

type Role = 'cmd' | 'sub';
type ClusterConnection = Extract<SessionRedisConnection, { cluster: { nodes: unknown } }>;

/**
 * Settings for connections the library opens. ioredis's suit a cache (offline queue, 20 retries: a request waits
 * while Redis is down); a session check must fail within its budget instead:
 * - no offline queue, no retries: commands fail at once while disconnected (503), and one lost with its connection
 *   is not replayed later (a replayed login could create a session nobody receives);
 * - a command timeout: a slow or hung server answers 503 within `redisCommandTimeoutMs`;
 * - RESP2 (RESP3 buys nothing; invalidations arrive as plain Pub/Sub messages); reconnect quickly, forever; close
 *   within 500 ms (a dead server has no side left to close). @internal
 */
export function failFastOptions(options: ResolvedSessionOptions, role: Role): RedisOptions {
  return {
    protocol: 2,
    enableOfflineQueue: role === 'sub',
    maxRetriesPerRequest: role === 'sub' ? null : 0,
    commandTimeout: role === 'sub' ? undefined : options.redisCommandTimeoutMs,
    connectTimeout: Math.max(options.redisCommandTimeoutMs, 2000),
    retryStrategy: reconnectDelay,
    disconnectTimeout: 500,
    // Set per topology for command clients; stated so that a subscriber spread from their options never inherits it.
    socketTimeout: undefined,
    connectionName: `session:${role}`,
    lazyConnect: true,
  };
}

/** Delay before reconnect attempt `times`: 100 ms, doubling, capped at 1 s. */
const reconnectDelay = (times: number): number => Math.min(50 * 2 ** Math.min(times, 5), 1000);

/** Opens a client for a connection description. A client the app passed in is returned as is. @internal */
export function createRedisClient(
  connection: SessionRedisConnection, options: ResolvedSessionOptions, role: Role,
): Redis | Cluster {
  if (isRedisClient(connection)) return connection as Redis | Cluster;
  const failFast = failFastOptions(options, role);
  if (typeof connection === 'string') return new Redis(connection, failFast);
  // Sentinel/Cluster command sockets silent this long while a command waits are reopened (a fresh one can reach the
  // promoted replica; one to a hung master sees no close for minutes). Above the command timeout: one slow command
  // answers 503 without costing the other in-flight commands their connection.
  const socketTimeout = role === 'cmd' ? Math.max(3 * options.redisCommandTimeoutMs, 3000) : undefined;
  const { cluster } = connection as Partial<ClusterConnection>;
  if (cluster) return createClusterClient(cluster, { ...failFast, socketTimeout });
  const plain = connection as RedisOptions;
  if (!Array.isArray(plain.sentinels)) return new Redis({ ...failFast, ...plain });
  // On every (re)connect ioredis asks the sentinels for the master and checks it with INFO (the ready check).
  return new Redis({
    ...failFast,
    socketTimeout,
    role: 'master',
    enableReadyCheck: true,
    // Keep asking while no sentinel answers: a rejected master lookup ends an ioredis client for good.
    sentinelRetryStrategy: reconnectDelay,
    // A sentinel that accepts the connection but never answers must not stall the master lookup.
    sentinelCommandTimeout: options.redisCommandTimeoutMs,
    // Off: its disconnect on +switch-master, landing while a reconnect resolves the master, is taken for a manual
    // close and ends the client for good (503 forever). Covered otherwise: Sentinel kills a demoted master's clients,
    // `socketTimeout` drops one to a hung master, and READONLY reconnects (below).
    failoverDetector: false,
    // A master demoted under us answers writes with READONLY: reconnect (asks Sentinel anew); that command gets 503.
    reconnectOnError: (err: Error) => (/READONLY/.test(err.message) ? 1 : false),
    ...plain,
  });
}

/** `{ cluster: { nodes, options? } }`. A user's keys share a hash tag: each script runs on one node, ioredis routes. */
function createClusterClient({ nodes, options = {} }: ClusterConnection['cluster'], failFast: RedisOptions): Cluster {
  const { redisOptions, ...clusterOptions } = options as ClusterOptions;
  // ioredis ignores these in `redisOptions` (it sets them on node connections itself); cluster-level ones are below.
  const { retryStrategy: _retry, enableOfflineQueue, lazyConnect: _lazy, ...nodeOptions } = failFast;
  return new Cluster(nodes as never, {
    // Sessions are read where they are written: a replica lagging behind would answer 401 for a fresh login.
    scaleReads: 'master',
    // No ready check: on cluster_state:fail it leaves the first connect(), which boot awaits, pending for good. Without
    // it, commands on a failed cluster get CLUSTERDOWN, are retried and answer 503 within the command timeout.
    enableReadyCheck: false,
    // Read the slot map even when no command fails, so that the per-master subscribers (notifications are node-local)
    // learn of a failover in a quiet period too ('refresh'). One CLUSTER SLOTS per 5 s.
    slotsRefreshInterval: 5000,
    ...clusterOptions,
    // Command clients: no cluster-level offline queue either; boot awaits connect(), so nothing is lost by it.
    enableOfflineQueue,
    lazyConnect: true,
    clusterRetryStrategy: reconnectDelay,
    // commandTimeout bounds a command across redirections too: one lost with a failing master is retried on the
    // slot's next owner (retryDelayOnFailover) under the timer of its first send, so it still answers 503 in time.
    redisOptions: { ...nodeOptions, ...(redisOptions as object) },
  });
}

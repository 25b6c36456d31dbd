import { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { ResolvedSessionOptions, SessionRedisConnection } from '../options/session.options';
import { isRedisClient } from './redis.topology';

type Role = 'cmd' | 'sub';

/**
 * Settings for connections the library opens. ioredis's defaults suit a cache: an offline queue and 20 retries
 * per command mean a request waits while Redis is down. A session check must instead fail within its budget:
 * - no offline queue: while disconnected, commands fail at once (503) instead of piling up;
 * - no retries per command: a command lost with its connection fails instead of being replayed later
 *   (a replayed login could create a session nobody receives);
 * - a command timeout: a slow or hung server answers 503 within `redisCommandTimeoutMs`;
 * - RESP2: RESP3 buys nothing here, and invalidation messages arrive as plain Pub/Sub messages on RESP2;
 * - reconnect quickly (capped at 1 s), forever, so the app recovers on its own;
 * - closing waits at most 500 ms for the server to close its side: a connection whose server died has no side
 *   left to close, and ioredis's 2 s default would hold up shutdown for nothing.
 * @internal
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
    // Set per topology below for command clients; stated here so that a subscriber built by spreading a command
    // client's options over these never inherits it.
    socketTimeout: undefined,
    connectionName: `session:${role}`,
    lazyConnect: true,
  };
}

/** Delay before reconnect attempt `times`: 100 ms, doubling, capped at 1 s. @internal */
export function reconnectDelay(times: number): number {
  return Math.min(50 * 2 ** Math.min(times, 5), 1000);
}

/**
 * How long a command connection may stay silent while a command waits for its reply before the socket is dropped
 * and reopened. Only for Sentinel and Cluster: there a fresh connection can reach a different server (the promoted
 * replica), whereas a socket to a hung or partitioned master sees no close event for minutes. Longer than the
 * command timeout, so one slow command answers 503 without costing every other in-flight command its connection.
 */
function silentSocketMs(options: ResolvedSessionOptions): number {
  return Math.max(3 * options.redisCommandTimeoutMs, 3000);
}

type SentinelConnection = RedisOptions & { sentinels: NonNullable<RedisOptions['sentinels']>; name: string };
type ClusterConnection = Extract<SessionRedisConnection, { cluster: { nodes: unknown } }>;

function isSentinel(connection: object): connection is SentinelConnection {
  return Array.isArray((connection as RedisOptions).sentinels);
}

function describesCluster(connection: object): connection is ClusterConnection {
  return 'cluster' in connection && Boolean((connection as ClusterConnection).cluster);
}

/** Opens a client for a connection description. A client the app passed in is returned as is. @internal */
export function createRedisClient(
  connection: SessionRedisConnection, options: ResolvedSessionOptions, role: Role,
): Redis | Cluster {
  if (isRedisClient(connection)) return connection as Redis | Cluster;
  const failFast = failFastOptions(options, role);
  if (typeof connection === 'string') return new Redis(connection, failFast);
  if (describesCluster(connection)) return createClusterClient(connection, failFast, options, role);
  if (isSentinel(connection)) return createSentinelClient(connection, failFast, options, role);
  return new Redis({ ...failFast, ...(connection as RedisOptions) });
}

/**
 * A client that asks Sentinel for the master, `{ sentinels, name }`. On every (re)connect ioredis asks the
 * sentinels for the current master and checks with INFO that the server it reached really is a master, so after a
 * failover the next reconnect lands on the promoted replica.
 */
function createSentinelClient(
  connection: SentinelConnection, failFast: RedisOptions, options: ResolvedSessionOptions, role: Role,
): Redis {
  return new Redis({
    ...failFast,
    role: 'master',
    // The ready check is where ioredis runs that INFO role check.
    enableReadyCheck: true,
    // While no sentinel answers, keep asking them (fast, capped at 1 s) rather than giving up: a rejected
    // master lookup ends an ioredis client for good. Commands meanwhile fail at once (no offline queue).
    sentinelRetryStrategy: reconnectDelay,
    // A sentinel that accepts the connection but never answers must not stall the master lookup.
    sentinelCommandTimeout: options.redisCommandTimeoutMs,
    // Left off on purpose: ioredis's FailoverDetector calls the connector's disconnect() on +switch-master, and
    // if that lands while a reconnect is resolving the master, ioredis treats it as a manual close and the client
    // ends for good (status "end", every later request 503). What it would add is covered otherwise: Sentinel
    // kills the clients of a demoted master (CLIENT KILL TYPE normal), a socket to a hung master is dropped by
    // `socketTimeout`, and a READONLY reply triggers a reconnect below.
    failoverDetector: false,
    // A master demoted while we stayed connected answers writes with READONLY: reconnect, which asks Sentinel
    // for the new master. The failed command itself answers 503 (no replay of writes).
    reconnectOnError: (err: Error) => (/READONLY/.test(err.message) ? 1 : false),
    socketTimeout: role === 'cmd' ? silentSocketMs(options) : undefined,
    ...connection,
  });
}

/**
 * A Cluster client, `{ cluster: { nodes, options? } }`. Every key of one user shares a hash tag, so each script
 * runs on one node and routing is ioredis's job (MOVED/ASK, slot refresh after a failover).
 */
function createClusterClient(
  connection: ClusterConnection, failFast: RedisOptions, options: ResolvedSessionOptions, role: Role,
): Cluster {
  const { nodes, options: userOptions = {} } = connection.cluster;
  const { redisOptions: userRedisOptions, ...userClusterOptions } = userOptions as ClusterOptions;
  // ioredis sets these itself on every node connection (offline queue on, no reconnect, lazy connect) and ignores
  // them in `redisOptions`; the cluster-level equivalents are set below.
  const { retryStrategy: _retry, enableOfflineQueue: _queue, lazyConnect: _lazy, ...nodeOptions } = failFast;
  return new Cluster(nodes as never, {
    // Sessions are read where they are written: a replica lagging behind would answer 401 for a fresh login.
    scaleReads: 'master',
    // No ready check: when it finds cluster_state:fail, ioredis reconnects but leaves the promise of that first
    // connect() pending for good, and the connection provider awaits that promise at boot. Without it, connect()
    // settles once the slot map is read, and commands on a failed cluster get CLUSTERDOWN, are retried
    // (retryDelayOnClusterDown) and answer 503 within the command timeout; they work again once the cluster does.
    enableReadyCheck: false,
    // Look at the slot map now and then even when no command fails, so that subscribers that follow the masters
    // (keyspace notifications are node-local; they listen for 'refresh') learn about a failover during a quiet
    // period too. One short CLUSTER SLOTS every 5 s.
    slotsRefreshInterval: 5000,
    ...userClusterOptions,
    // No cluster-level offline queue on the command client: while the cluster is (re)connecting, commands fail
    // at once. Nothing is lost at boot by that: the connection provider awaits connect() before serving.
    enableOfflineQueue: failFast.enableOfflineQueue,
    lazyConnect: true,
    // Reconnect to the startup nodes after every node was lost, with the same quick, capped backoff.
    clusterRetryStrategy: reconnectDelay,
    // commandTimeout (in nodeOptions) bounds a command across redirections too: a command lost with a failing
    // master is retried on the slot's next owner (retryDelayOnFailover) under the timer of its first send, so a
    // request during a failover answers 503 within redisCommandTimeoutMs.
    redisOptions: {
      ...nodeOptions,
      socketTimeout: role === 'cmd' ? silentSocketMs(options) : undefined,
      ...(userRedisOptions as object),
    },
  });
}

import type { Cluster, Redis } from 'ioredis';

/**
 * What the library needs to know about a live client, recognised by shape rather than `instanceof`: the app's
 * client may come from its own copy of ioredis (5 or 6), which `instanceof` against ours would not recognise.
 * @internal
 */
export function isRedisClient(value: unknown): value is Redis | Cluster {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as { isCluster?: unknown; sendCommand?: unknown; duplicate?: unknown };
  return typeof c.isCluster === 'boolean' && typeof c.sendCommand === 'function' && typeof c.duplicate === 'function';
}

/** A Cluster client (ioredis marks both kinds with `isCluster`). @internal */
export function isCluster(client: Redis | Cluster): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/**
 * The servers that hold data: the one server of a standalone/Sentinel client, every master of a Cluster.
 * Keyspace notifications, SCAN and CONFIG are per node, so whatever needs them walks this list.
 * @internal
 */
export function dataNodes(client: Redis | Cluster): Redis[] {
  return isCluster(client) ? client.nodes('master') : [client];
}

/** The db number keyevent channels carry (`__keyevent@<db>__:expired`); always 0 on Cluster. */
export function dbOf(client: Redis | Cluster): number {
  return isCluster(client) ? 0 : (client.options.db ?? 0);
}

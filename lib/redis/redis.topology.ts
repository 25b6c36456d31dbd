import type { Cluster, Redis } from 'ioredis';

/** A live client, by shape: the app's may come from its own copy of ioredis, which `instanceof` misses. @internal */
export function isRedisClient(value: unknown): value is Redis | Cluster {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as { isCluster?: unknown; sendCommand?: unknown; duplicate?: unknown };
  return typeof c.isCluster === 'boolean' && typeof c.sendCommand === 'function' && typeof c.duplicate === 'function';
}

/** A Cluster client (ioredis marks both kinds with `isCluster`). @internal */
export function isCluster(client: Redis | Cluster): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/** The servers that hold data (each Cluster master), for what is per node: notifications, SCAN, CONFIG. @internal */
export function dataNodes(client: Redis | Cluster): Redis[] {
  return isCluster(client) ? client.nodes('master') : [client];
}

/** The db number keyevent channels carry (`__keyevent@<db>__:expired`); always 0 on Cluster. */
export function dbOf(client: Redis | Cluster): number {
  return isCluster(client) ? 0 : (client.options.db ?? 0);
}

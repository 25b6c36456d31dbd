import { Cluster, Redis } from 'ioredis';

/**
 * The servers that hold data: the one server of a standalone/Sentinel client, every master of a Cluster.
 * Keyspace notifications, SCAN and CONFIG are per node, so whatever needs them walks this list.
 * @internal
 */
export function dataNodes(client: Redis | Cluster): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/** The db number keyevent channels carry (`__keyevent@<db>__:expired`); always 0 on Cluster. */
export function dbOf(client: Redis | Cluster): number {
  return client instanceof Cluster ? 0 : (client.options.db ?? 0);
}

import { execFile, spawnSync } from 'node:child_process';
import { createServer, Server } from 'node:net';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { assertRedisServerInstalled, RedisServerProcess } from '../../tools/redis-server.process';
import { waitFor } from './wait';

export interface ClusterTopologyOptions {
  /** cluster-node-timeout: how long a node may be unreachable before it is flagged as failing, in ms. @default 1000 */
  nodeTimeoutMs?: number;
}

/** One line of CLUSTER NODES. */
export interface ClusterNodeInfo {
  id: string;
  port: number;
  flags: string[];
  /** The master's id, for a replica. */
  masterId?: string;
  /** Slot ranges served, inclusive, for a master. */
  slots: Array<[number, number]>;
}

/** Fails with a message that says how to get redis-cli (it creates the cluster). */
export function assertRedisCliInstalled(): void {
  const probe = spawnSync('redis-cli', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'redis-cli was not found on PATH; the Cluster tests need it to create the cluster. Install it ' +
        '(Debian/Ubuntu: `sudo apt-get install redis-tools` or `redis-server`, macOS: `brew install redis`).',
    );
  }
}

/** `n` distinct free ports: every listener stays open until all are picked, so none is handed out twice. */
async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const srv = createServer();
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => resolve());
      });
      servers.push(srv);
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

function parseClusterNodes(text: string): ClusterNodeInfo[] {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const [id, address, flags, master, , , , , ...slotTokens] = line.trim().split(' ');
      const port = Number(/:(\d+)@/.exec(address)?.[1]);
      const slots = slotTokens
        .filter((t) => !t.startsWith('['))
        .map((t) => {
          const [a, b] = t.split('-').map(Number);
          return [a, b ?? a] as [number, number];
        });
      return { id, port, flags: flags.split(','), masterId: master === '-' ? undefined : master, slots };
    });
}

/**
 * A private Redis Cluster: six `redis-server --cluster-enabled yes` processes (three masters, three replicas)
 * on free ports (never 6379), each in its own temp dir, joined with `redis-cli --cluster create`. A short
 * cluster-node-timeout makes a failover take seconds. `close()` kills every process and removes the dirs.
 *   const cluster = await startClusterTopology();
 *   const app = await testApp(cluster.connection).start();
 */
export class ClusterTopology {
  readonly nodes: RedisServerProcess[] = [];
  private readonly clients = new Map<number, Redis>();
  private readonly killOnExit = () => this.nodes.forEach((p) => p.kill());

  constructor(private readonly opts: ClusterTopologyOptions = {}) {}

  /** The connection value the library takes: `{ cluster: { nodes } }`, every node as a startup node. */
  get connection(): { cluster: { nodes: Array<{ host: string; port: number }> } } {
    return { cluster: { nodes: this.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })) } };
  }

  /** The process listening on a port. */
  process(port: number): RedisServerProcess {
    const node = this.nodes.find((n) => n.port === port);
    if (!node) throw new Error(`no cluster node on port ${port}`);
    return node;
  }

  /** A plain, non-cluster client to one node, for assertions. It never reconnects; a new one is made after that. */
  client(port: number): Redis {
    const cached = this.clients.get(port);
    if (cached && cached.status !== 'end') return cached;
    const client = new Redis({
      host: '127.0.0.1', port, protocol: 2, retryStrategy: () => null, maxRetriesPerRequest: 0,
      connectTimeout: 1000, commandTimeout: 2000,
    });
    client.on('error', () => undefined);
    this.clients.set(port, client);
    return client;
  }

  /** CLUSTER NODES as seen by the first node that answers, skipping the given (dead) ports. */
  async clusterNodes(skipPorts: number[] = []): Promise<ClusterNodeInfo[]> {
    let lastError: unknown;
    for (const node of this.nodes) {
      if (skipPorts.includes(node.port)) continue;
      try {
        return parseClusterNodes((await this.client(node.port).call('CLUSTER', 'NODES')) as string);
      } catch (err) {
        lastError = err;
      }
    }
    throw new Error(`no cluster node answered CLUSTER NODES: ${String(lastError)}`);
  }

  /** Masters currently serving slots (a failed master is left out). */
  async masters(skipPorts: number[] = []): Promise<ClusterNodeInfo[]> {
    const nodes = await this.clusterNodes(skipPorts);
    return nodes.filter((n) => n.flags.includes('master') && !n.flags.includes('fail') && n.slots.length > 0);
  }

  /** The master serving a slot. */
  async masterOfSlot(slot: number, skipPorts: number[] = []): Promise<ClusterNodeInfo> {
    const owner = (await this.masters(skipPorts)).find((m) => m.slots.some(([a, b]) => slot >= a && slot <= b));
    if (!owner) throw new Error(`no master serves slot ${slot}`);
    return owner;
  }

  /** Waits until every node not skipped says cluster_state:ok and knows `knownNodes` nodes. */
  async waitUntilHealthy(skipPorts: number[] = [], timeoutMs = 20_000): Promise<void> {
    const live = this.nodes.filter((n) => !skipPorts.includes(n.port));
    await waitFor(
      () => Promise.all(live.map((n) => this.client(n.port).call('CLUSTER', 'INFO') as Promise<string>)),
      (infos) => infos.every((i) => i.includes('cluster_state:ok') && i.includes(`cluster_known_nodes:${this.nodes.length}`)),
      { timeoutMs, intervalMs: 100, what: 'cluster_state:ok on every live node' },
    );
  }

  /** Starts six nodes, creates the cluster (3 masters, 1 replica each) and waits until it is fully up. */
  async start(): Promise<this> {
    assertRedisServerInstalled();
    assertRedisCliInstalled();
    process.once('exit', this.killOnExit);
    // Each node needs a client port and a bus port; the default bus port (port + 10000) may be taken or > 65535.
    const ports = await freePorts(12);
    for (let i = 0; i < 6; i++) {
      const node = new RedisServerProcess([
        '--cluster-enabled', 'yes',
        '--cluster-port', String(ports[6 + i]),
        '--cluster-node-timeout', String(this.opts.nodeTimeoutMs ?? 1000),
        // A replica may always take over, however long it was out of touch: tests must not depend on timing here.
        '--cluster-replica-validity-factor', '0',
        '--appendonly', 'no',
      ]);
      node.port = ports[i];
      this.nodes.push(node);
    }
    await Promise.all(this.nodes.map((n) => n.start()));
    const addresses = this.nodes.map((n) => `127.0.0.1:${n.port}`);
    try {
      await promisify(execFile)(
        'redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'],
        // A join takes a few seconds; one that has not converged by then will not (seen once in CI).
        { timeout: 15_000 },
      );
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`redis-cli --cluster create failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
    await this.waitUntilHealthy();
    // A replica that never synced cannot take over with its data: wait for every link.
    // The node list is read on every poll: right after the join, a node may not yet show as a replica.
    await waitFor(
      async () => {
        const replicas = (await this.clusterNodes()).filter((n) => n.flags.includes('slave'));
        return Promise.all(replicas.map((r) => this.client(r.port).info('replication')));
      },
      (infos) => infos.length === 3 && infos.every((i) => i.includes('master_link_status:up')),
      { timeoutMs: 20_000, intervalMs: 100, what: 'every replica to finish its first sync' },
    );
    return this;
  }

  /** Kills every node and removes the dirs. */
  async close(): Promise<void> {
    process.removeListener('exit', this.killOnExit);
    // A client whose server died has ended already; disconnecting it again would arm a 2 s timer for nothing.
    for (const client of this.clients.values()) if (client.status !== 'end') client.disconnect();
    this.clients.clear();
    await Promise.all(this.nodes.map((n) => n.dispose().catch(() => n.kill())));
  }
}

/** Starts a Cluster; if any step fails, whatever was started is killed before the error is thrown. */
export async function startClusterTopology(opts: ClusterTopologyOptions = {}): Promise<ClusterTopology> {
  // Twelve ports found free can lose one to another process before the nodes bind them, and a cluster's first join
  // can stall on a loaded machine (redis-cli waits on gossip forever): then start over on new ports, once. Any other
  // failure is reported at once.
  for (let attempt = 1; ; attempt++) {
    const topology = new ClusterTopology(opts);
    try {
      return await topology.start();
    } catch (err) {
      await topology.close();
      if (attempt >= 2 || !/Address already in use|--cluster create failed/i.test((err as Error).message)) throw err;
    }
  }
}

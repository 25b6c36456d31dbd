import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { assertRedisServerInstalled, RedisServerProcess } from '../../tools/redis-server.process';
import { waitFor } from './wait';

export interface SentinelTopologyOptions {
  /** Master group name. @default 'mymaster' */
  name?: string;
  /** How long the master must be silent before a sentinel calls it down, in ms. @default 1000 */
  downAfterMs?: number;
  /** Sentinel's failover-timeout (also the pause between two failover attempts is twice this), in ms. @default 3000 */
  failoverTimeoutMs?: number;
}

export interface HostPort {
  host: string;
  port: number;
}

/** Reads a `key value key value ...` reply (SENTINEL MASTER and friends) into an object. */
function pairs(reply: unknown): Record<string, string> {
  const flat = reply as string[];
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}

/**
 * A private Redis Sentinel deployment: one master, one replica, three sentinels (quorum 2), each its own
 * redis-server process on a free port (never 6379) in a temp dir. Short down-after and failover timeouts, so a
 * failover takes seconds. `close()` kills every process it started and removes their dirs.
 *   const topo = await startSentinelTopology();
 *   const app = await testApp(topo.connection).start();
 */
export class SentinelTopology {
  readonly name: string;
  readonly master = new RedisServerProcess();
  /** Made in start(): its `--replicaof` needs the master's port. */
  replica!: RedisServerProcess;
  readonly sentinels: RedisServerProcess[] = [];
  private readonly clients = new Map<number, Redis>();
  private readonly killOnExit = () => this.all().forEach((p) => p.kill());

  constructor(private readonly opts: SentinelTopologyOptions = {}) {
    this.name = opts.name ?? 'mymaster';
  }

  /** The connection value the library takes: `{ sentinels, name }`. */
  get connection(): { sentinels: HostPort[]; name: string } {
    return { sentinels: this.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })), name: this.name };
  }

  /**
   * A plain client to one server (data node or sentinel), for assertions. It never reconnects, so a client to a
   * killed server fails fast; a new one is made after that.
   */
  client(port: number): Redis {
    const cached = this.clients.get(port);
    if (cached && cached.status !== 'end') return cached;
    const client = new Redis({
      host: '127.0.0.1', port, protocol: 2, retryStrategy: () => null, maxRetriesPerRequest: 0,
      connectTimeout: 1000, commandTimeout: 2000, enableReadyCheck: false,
    });
    client.on('error', () => undefined);
    this.clients.set(port, client);
    return client;
  }

  /** The master address a live sentinel reports right now. */
  async masterAddress(): Promise<HostPort> {
    let lastError: unknown;
    for (const sentinel of this.sentinels) {
      try {
        const [host, port] = (await this.client(sentinel.port).call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name)) as [string, string];
        return { host, port: Number(port) };
      } catch (err) {
        lastError = err;
      }
    }
    throw new Error(`no sentinel answered GET-MASTER-ADDR-BY-NAME: ${String(lastError)}`);
  }

  /** Starts master, replica and sentinels, and waits until the sentinels know the replica and each other. */
  async start(): Promise<this> {
    assertRedisServerInstalled();
    process.once('exit', this.killOnExit);
    await this.master.start();
    this.replica = new RedisServerProcess(['--replicaof', '127.0.0.1', String(this.master.port)]);
    await this.replica.start();
    await waitFor(
      () => this.client(this.replica.port).info('replication'),
      (info) => info.includes('master_link_status:up'),
      { timeoutMs: 10_000, what: 'the replica to finish its first sync with the master' },
    );
    // Sentinels discover replicas from the master's INFO at their first contact, so they start after the sync.
    for (let i = 0; i < 3; i++) this.sentinels.push(this.newSentinel());
    await Promise.all(this.sentinels.map((s) => s.start()));
    // Hello messages (every 2 s) make the sentinels known to each other; without that, no quorum, no failover.
    await waitFor(
      () => Promise.all(this.sentinels.map(async (s) => pairs(await this.client(s.port).call('SENTINEL', 'MASTER', this.name)))),
      (states) => states.every((m) => m['num-other-sentinels'] === '2' && m['num-slaves'] === '1' && m.flags === 'master'),
      { timeoutMs: 15_000, what: 'every sentinel to know the master, the replica and the two other sentinels' },
    );
    return this;
  }

  private newSentinel(): RedisServerProcess {
    const dir = mkdtempSync(join(tmpdir(), 'nrs-sentinel-'));
    const configFile = join(dir, 'sentinel.conf');
    // Sentinel rewrites this file with what it learns, so each sentinel gets its own, in its own dir.
    writeFileSync(
      configFile,
      [
        `sentinel monitor ${this.name} 127.0.0.1 ${this.master.port} 2`,
        `sentinel down-after-milliseconds ${this.name} ${this.opts.downAfterMs ?? 1000}`,
        `sentinel failover-timeout ${this.name} ${this.opts.failoverTimeoutMs ?? 3000}`,
        `sentinel parallel-syncs ${this.name} 1`,
        '',
      ].join('\n'),
    );
    return new RedisServerProcess(['--sentinel'], dir, { configFile });
  }

  private all(): RedisServerProcess[] {
    return [...this.sentinels, this.replica, this.master].filter(Boolean);
  }

  /** Kills every process (sentinels first, so none starts a failover during teardown) and removes the dirs. */
  async close(): Promise<void> {
    process.removeListener('exit', this.killOnExit);
    // A client whose server died has ended already; disconnecting it again would arm a 2 s timer for nothing.
    for (const client of this.clients.values()) if (client.status !== 'end') client.disconnect();
    this.clients.clear();
    for (const p of this.all()) await p.dispose().catch(() => p.kill());
  }
}

/** Starts a Sentinel deployment; if any step fails, whatever was started is killed before the error is thrown. */
export async function startSentinelTopology(opts: SentinelTopologyOptions = {}): Promise<SentinelTopology> {
  const topology = new SentinelTopology(opts);
  try {
    return await topology.start();
  } catch (err) {
    await topology.close();
    throw err;
  }
}

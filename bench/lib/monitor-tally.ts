import { Redis } from 'ioredis';
import type { CommandCounts } from './redis-stats';

/**
 * Counts commands by origin with MONITOR: what clients sent (round trips) versus what Lua scripts ran inside one
 * EVALSHA (MONITOR reports those with the source `lua`). INFO commandstats cannot tell the two apart. MONITOR costs
 * throughput, so it only runs during warm-up passes, never during measured runs.
 */
export class MonitorTally {
  readonly client: CommandCounts = {};
  readonly lua: CommandCounts = {};
  private readonly markers = new Map<string, () => void>();

  private constructor(private readonly monitor: Redis, private readonly marker: Redis) {
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      const name = String(args[0] ?? '').toLowerCase();
      if (name === 'echo' && this.markers.has(args[1])) {
        this.markers.get(args[1])!();
        this.markers.delete(args[1]);
        return;
      }
      if (name === 'info' || name === 'echo') return;
      const into = source === 'lua' ? this.lua : this.client;
      into[name] = (into[name] ?? 0) + 1;
    });
  }

  static async start(url: string): Promise<MonitorTally> {
    const conn = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    conn.on('error', () => undefined);
    await conn.connect();
    const monitor = await conn.monitor();
    const marker = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    marker.on('error', () => undefined);
    await marker.connect();
    const t = new MonitorTally(monitor, marker);
    await t.flush();
    conn.disconnect();
    return t;
  }

  /** Resolves once everything Redis ran before this call has been reported (MONITOR output is in order). */
  async flush(timeoutMs = 5000): Promise<void> {
    const id = `bench-marker-${Math.random().toString(36).slice(2)}`;
    const seen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('MONITOR marker not seen in time')), timeoutMs);
      this.markers.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await this.marker.echo(id);
    await seen;
  }

  async stop(): Promise<void> {
    await this.flush().catch(() => undefined);
    this.monitor.disconnect();
    this.marker.disconnect();
  }
}

import { Redis } from 'ioredis';

/** One command as MONITOR reports it: what a client sent, or what a Lua script ran (`source` 'lua'). */
export interface MonitoredCommand {
  args: string[];
  source: string;
}

/**
 * Counts the commands clients send, which INFO commandstats cannot do alone: commandstats also counts every
 * command a Lua script runs inside one EVALSHA. MONITOR marks those with the source `lua`, so client round trips
 * can be told apart. Use on a private server only (MONITOR costs throughput).
 */
export class CommandMonitor {
  private readonly log: MonitoredCommand[] = [];
  private readonly markers = new Map<string, () => void>();

  private constructor(private readonly conn: Redis, private readonly monitor: Redis) {
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (args[0]?.toLowerCase() === 'echo' && this.markers.has(args[1])) {
        this.markers.get(args[1])!();
        this.markers.delete(args[1]);
        return;
      }
      this.log.push({ args, source });
    });
  }

  static async start(url: string): Promise<CommandMonitor> {
    const conn = new Redis(url, { protocol: 2, lazyConnect: true, maxRetriesPerRequest: 1 });
    conn.on('error', () => undefined);
    await conn.connect();
    const monitor = await conn.monitor();
    // A separate connection for markers: a monitoring connection cannot send commands.
    const marker = new Redis(url, { protocol: 2, lazyConnect: true, maxRetriesPerRequest: 1 });
    marker.on('error', () => undefined);
    await marker.connect();
    const m = new CommandMonitor(marker, monitor);
    // MONITOR starts reporting only once the server has processed it; a marker seen proves it is on.
    await m.flush();
    conn.disconnect();
    return m;
  }

  /**
   * Resolves once every command Redis processed before this call has been reported: Redis feeds monitors in
   * processing order, so seeing a marker sent now means everything earlier has arrived.
   */
  async flush(timeoutMs = 2000): Promise<void> {
    const id = `monitor-marker-${Math.random().toString(36).slice(2)}`;
    const seen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('MONITOR marker not seen in time')), timeoutMs);
      this.markers.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await this.conn.echo(id);
    await seen;
  }

  /** Commands sent by clients (not run inside scripts) since the last reset, after a flush. */
  async clientCommands(): Promise<MonitoredCommand[]> {
    await this.flush();
    return this.log.filter((c) => c.source !== 'lua');
  }

  reset(): void {
    this.log.length = 0;
  }

  close(): void {
    this.monitor.disconnect();
    this.conn.disconnect();
  }
}

/** The non-INFO deltas between two commandCalls() snapshots (INFO is what takes the snapshot). */
export function commandDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after)) {
    const d = calls - (before[name] ?? 0);
    if (d !== 0 && name !== 'info') out[name] = d;
  }
  return out;
}

/** Addresses (`ip:port`, as MONITOR reports them) of the connections with this CLIENT SETNAME name. */
export async function connectionAddresses(admin: Redis, name: string): Promise<string[]> {
  const list = (await admin.client('LIST')) as string;
  return list
    .split('\n')
    .filter((line) => line.includes(` name=${name} `))
    .map((line) => /(?:^|\s)addr=(\S+)/.exec(line)![1]);
}

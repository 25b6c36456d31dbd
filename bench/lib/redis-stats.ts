import type { Redis } from 'ioredis';

/** Parses `INFO <section>` into key/value pairs. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Command name -> calls, from INFO commandstats (`cmdstat_get:calls=3,...`). */
export type CommandCounts = Record<string, number>;

export async function commandStats(redis: Redis): Promise<CommandCounts> {
  const info = parseInfo(await redis.info('commandstats'));
  const out: CommandCounts = {};
  for (const [k, v] of Object.entries(info)) {
    const m = /calls=(\d+)/.exec(v);
    if (k.startsWith('cmdstat_') && m) out[k.slice('cmdstat_'.length)] = Number(m[1]);
  }
  return out;
}

/** Redis server CPU (user + sys), µs. */
export async function redisCpuUs(redis: Redis): Promise<number> {
  const info = parseInfo(await redis.info('cpu'));
  return Math.round((Number(info.used_cpu_user) + Number(info.used_cpu_sys)) * 1e6);
}

export async function usedMemory(redis: Redis): Promise<number> {
  return Number(parseInfo(await redis.info('memory')).used_memory);
}

/** Commands that run a script: each is one client round trip however many commands the script runs. */
export const SCRIPT_COMMANDS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);
/** What the benchmark runner itself sends between snapshots; never counted. */
const RUNNER_COMMANDS = new Set(['info']);

export function diffCounts(before: CommandCounts, after: CommandCounts): CommandCounts {
  const out: CommandCounts = {};
  for (const [k, v] of Object.entries(after)) {
    if (RUNNER_COMMANDS.has(k)) continue;
    const d = v - (before[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

export function sumCounts(c: CommandCounts, filter: (name: string) => boolean = () => true): number {
  let n = 0;
  for (const [k, v] of Object.entries(c)) if (filter(k)) n += v;
  return n;
}

export function addCounts(into: CommandCounts, c: CommandCounts): CommandCounts {
  for (const [k, v] of Object.entries(c)) into[k] = (into[k] ?? 0) + v;
  return into;
}

/** One SLOWLOG entry: what ran, for how long, from which client. */
export interface SlowEntry {
  durationUs: number;
  command: string;
  client: string;
  clientName: string;
}

export async function slowlog(redis: Redis, max = 100_000): Promise<SlowEntry[]> {
  const raw = (await redis.call('SLOWLOG', 'GET', String(max))) as unknown[][];
  return raw.map((e) => ({
    durationUs: Number(e[2]),
    command: (e[3] as string[]).slice(0, 3).join(' ').slice(0, 80),
    client: String(e[4] ?? ''),
    clientName: String(e[5] ?? ''),
  }));
}

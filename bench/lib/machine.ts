import { execFileSync } from 'node:child_process';
import { cpus, totalmem, type, release } from 'node:os';

export interface MachineInfo {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  redis: string;
}

export function machineInfo(): MachineInfo {
  let redis = 'unknown';
  try {
    redis = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? redis;
  } catch {
    /* not on PATH: RedisServerProcess reports that */
  }
  const c = cpus();
  return {
    date: new Date().toISOString(),
    cpu: c[0]?.model?.trim() ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    redis,
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.date.slice(0, 10)} on ${m.cores} x ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, Redis ${m.redis}`;
}

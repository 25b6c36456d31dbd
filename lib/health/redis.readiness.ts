import type { Redis } from 'ioredis';
import { missingFlags } from '../events/session.events';

/** One thing about the Redis deployment that puts sessions at risk, or that the library could not check. @publicApi */
export interface ReadinessFinding {
  /** 'risk': sessions can be lost or logins fail; 'unknown': could not be checked (e.g. CONFIG forbidden). */
  level: 'risk' | 'unknown';
  /** Which server, as host:port. */
  node: string;
  setting: string;
  message: string;
}

/** What the readiness check read from each data node, and what it concluded. @publicApi */
export interface RedisReadinessReport {
  ok: boolean;
  findings: ReadinessFinding[];
  settings: Record<string, Record<string, string>>;
}

const SETTINGS = ['appendonly', 'appendfsync', 'save', 'maxmemory', 'maxmemory-policy', 'notify-keyspace-events'];

/**
 * Reads the settings that decide whether sessions survive a restart and memory pressure, on every data node, and
 * names what is at risk. Never writes: managed Redis often forbids CONFIG, and a shared server's persistence is not
 * a session library's call. @internal
 */
export async function checkRedisReadiness(nodes: Redis[]): Promise<RedisReadinessReport> {
  const findings: ReadinessFinding[] = [];
  const settings: RedisReadinessReport['settings'] = {};
  for (const node of nodes) {
    const name = `${node.options.host ?? '?'}:${node.options.port ?? '?'}`;
    const values: Record<string, string> = {};
    try {
      for (const setting of SETTINGS) {
        values[setting] = ((await node.config('GET', setting)) as unknown as string[])[1] ?? '';
      }
    } catch (err) {
      findings.push({
        level: 'unknown', node: name, setting: 'CONFIG',
        message: `cannot read the server's configuration (${(err as Error).message}); persistence and eviction were not checked`,
      });
      continue;
    }
    settings[name] = values;
    const risk = (setting: string, message: string) => findings.push({ level: 'risk', node: name, setting, message });
    // Scripts declare their flags with a `#!lua` line, which Redis reads from version 7 on. INFO refused: unchecked.
    const version = /redis_version:(\d+)\./.exec(await node.info('server').catch(() => ''))?.[1];
    if (version !== undefined && Number(version) < 7) {
      risk('redis_version', `Redis ${version}.x cannot run the library's scripts (Redis 7 or later is required): every request fails`);
    }
    if (values.appendonly !== 'yes' && values.save.trim() === '') {
      risk('appendonly/save', 'no persistence (appendonly no, no RDB save points): every session is lost when Redis restarts');
    } else if (values.appendonly !== 'yes') {
      risk('appendonly', `RDB snapshots only ("${values.save}"): sessions created since the last snapshot are lost on a crash`);
    } else if (values.appendfsync === 'no') {
      risk('appendfsync', 'appendfsync no: the OS decides when the AOF reaches disk; a crash can lose many seconds of sessions');
    }
    const policy = values['maxmemory-policy'];
    if (policy.startsWith('allkeys-')) {
      risk('maxmemory-policy', `${policy}: under memory pressure Redis evicts sessions like any cache entry (use volatile-lru or noeviction)`);
    }
    const max = Number(values.maxmemory);
    if (policy === 'noeviction' && max > 0) {
      const used = Number(/used_memory:(\d+)/.exec(await node.info('memory').catch(() => ''))?.[1] ?? 0);
      const full = used > 0.9 * max ? ` (now ${Math.round((100 * used) / max)}% full)` : '';
      risk('maxmemory-policy', `noeviction with maxmemory ${values.maxmemory}: when memory is full every login and session write fails${full}`);
    }
    const missing = missingFlags(values['notify-keyspace-events']);
    if (missing.length > 0) {
      risk('notify-keyspace-events', `"${values['notify-keyspace-events']}" lacks ${missing.join('')}: expiry/eviction events come late (from the sweep) or not at all`);
    }
  }
  return { ok: findings.length === 0, findings, settings };
}

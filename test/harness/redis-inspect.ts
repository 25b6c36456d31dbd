import type { Redis } from 'ioredis';
import { SELECTOR_LENGTH } from '../../lib/store/session.token';
import { SessionKeys, sessionKeys } from '../../lib/store/session.keys';
import { keysUnder } from './redis';

/** One key as Redis holds it: its type, its PTTL and every string it contains (members, fields, values, scores). */
export interface KeyDump {
  key: string;
  type: string;
  pttl: number;
  strings: string[];
}

/** Reads every key under a prefix (SCAN, then a type-appropriate read) so tests can search what is stored at rest. */
export async function dumpKeys(client: Redis, prefix: string): Promise<KeyDump[]> {
  const keys = await keysUnder(client, prefix);
  const out: KeyDump[] = [];
  for (const key of keys) {
    const type = await client.type(key);
    const pttl = await client.pttl(key);
    let strings: string[] = [];
    switch (type) {
      case 'string':
        strings = [(await client.get(key)) ?? ''];
        break;
      case 'hash':
        strings = Object.entries(await client.hgetall(key)).flat();
        break;
      case 'zset':
        strings = await client.zrange(key, '0', '-1', 'WITHSCORES');
        break;
      case 'set':
        strings = await client.smembers(key);
        break;
      case 'list':
        strings = await client.lrange(key, 0, -1);
        break;
      case 'none':
        continue; // expired between SCAN and TYPE
      default:
        strings = [`<unreadable type ${type}>`];
    }
    out.push({ key, type, pttl, strings });
  }
  return out;
}

/** Redis server time in ms: what the library's Lua scripts use for every deadline. */
export async function redisNowMs(client: Redis): Promise<number> {
  const [s, us] = await client.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/**
 * When a key expires, in Redis time (ms): TIME and PTTL in one transaction, so no gap between two round trips (a
 * slow event loop) skews the sum.
 */
export async function expiresAtMs(client: Redis, key: string): Promise<number> {
  const replies = (await client.multi().time().pttl(key).exec()) as [[null, [string, string]], [null, number]];
  const [[, [s, us]], [, pttl]] = replies;
  return Number(s) * 1000 + Math.floor(Number(us) / 1000) + pttl;
}

/**
 * The Redis keys of the session a token names (its session hash and its user's index), built by the library's own
 * key builder from the token's selector. The verifier (the secret half) is never part of a key.
 */
export function keysOfToken(prefix: string, token: string): SessionKeys {
  return sessionKeys(prefix, token.slice(0, SELECTOR_LENGTH));
}

import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { routingTagFor } from '../../lib/crypto/session-token';
import { sessionKeys, userIndexKey } from '../../lib/store/session.keys';

/**
 * Writes sessions straight into Redis in the library's exact storage format (what store/scripts/create.lua writes:
 * the session hash with the same fields, the shadow key, the user index ZSET, the same expiries), thousands per
 * EVALSHA, so a million live sessions take seconds instead of minutes. The tag and key layout come from the
 * library's own functions; formatCheck() compares the result with a session SessionService.issue() created.
 * Sessions marked stale get only their index entry (their session expired and nobody cleaned the index): what the
 * sweep is for.
 */
const POPULATE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local prefix, idle, life, grace = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local device, field = ARGV[5], ARGV[6]
local absolute = now + life
local expires = math.min(now + idle, absolute)
for i = 7, #ARGV, 5 do
  local tag, hash, user, json, stale = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  if stale ~= '1' then
    local s = prefix .. 's:{' .. tag .. '}:' .. hash
    redis.call('HSET', s, 'u', user, 'd', device, 'c', now, 'l', now, 'a', absolute, 'i', idle, 'z', #field + #json)
    redis.call('HSET', s, field, json)
    redis.call('PEXPIREAT', s, expires)
    if grace > 0 then
      redis.call('SET', prefix .. 'x:{' .. tag .. '}:' .. hash, absolute .. '|' .. user, 'PXAT', expires + grace)
    end
  end
  local u = prefix .. 'u:{' .. tag .. '}:' .. user
  redis.call('ZADD', u, absolute, hash)
  redis.call('PEXPIREAT', u, absolute + grace)
end
return 1
`;

export interface PopulateOptions {
  prefix: string;
  sessions: number;
  sessionsPerUser: number;
  /** Fraction of sessions written as stale index entries only. */
  staleFraction: number;
  idleMs: number;
  absoluteMs: number;
  /** Shadow key grace (the library uses 60 000 ms when events are on). */
  graceMs: number;
  userPrefix: string;
  batch?: number;
  inFlight?: number;
}

export const BENCH_DEVICE = 'Firefox on Linux';

export const usernameOf = (userId: string) => `name-${userId}`;

export async function populate(redis: Redis, o: PopulateOptions, onProgress?: (done: number) => void): Promise<{ ms: number; stale: number }> {
  const started = Date.now();
  const sha = (await redis.script('LOAD', POPULATE_LUA)) as string;
  const batch = o.batch ?? 2000;
  const inFlight = o.inFlight ?? 3;
  const users = Math.ceil(o.sessions / o.sessionsPerUser);
  const tags = new Map<number, string>();
  const staleEvery = o.staleFraction > 0 ? Math.round(1 / o.staleFraction) : 0;
  let stale = 0;
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < o.sessions) {
      const from = next;
      const to = Math.min(o.sessions, from + batch);
      next = to;
      const args: string[] = [o.prefix, String(o.idleMs), String(o.absoluteMs), String(o.graceMs), BENCH_DEVICE, '.username'];
      for (let i = from; i < to; i++) {
        const u = i % users;
        const userId = `${o.userPrefix}${u}`;
        let tag = tags.get(u);
        if (tag === undefined) tags.set(u, (tag = routingTagFor(userId)));
        const isStale = staleEvery > 0 && i % staleEvery === staleEvery - 1;
        if (isStale) stale++;
        args.push(tag, randomBytes(16).toString('base64url'), userId, JSON.stringify(usernameOf(userId)), isStale ? '1' : '0');
      }
      await redis.evalsha(sha, 0, ...args);
      done += to - from;
      onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { ms: Date.now() - started, stale };
}

/**
 * Compares a populated session with one the library created: same key names shape, types, encodings, hash fields,
 * shadow value shape, index score, and expiries set. Throws on any difference.
 */
export async function formatCheck(
  redis: Redis, prefix: string, real: { userId: string; hash: string; tag: string }, populatedUserId: string,
): Promise<string> {
  const describe = async (userId: string, tag: string, hash?: string) => {
    const index = userIndexKey(prefix, tag, userId);
    const members = (await redis.zrange(index, 0, '-1', 'WITHSCORES')) as string[];
    const h = hash ?? members[0];
    const k = sessionKeys(prefix, tag, h);
    const fields = Object.keys(await redis.hgetall(k.session)).sort();
    const abs = await redis.hget(k.session, 'a');
    const shadow = await redis.get(k.shadow);
    return {
      keyShapes: [k.session, k.shadow, index].map((x) => x.replace(tag, '<tag>').replace(h, '<hash>').replace(userId, '<user>')),
      hashLength: h.length,
      types: await Promise.all([k.session, k.shadow, index].map((x) => redis.type(x))),
      encodings: await Promise.all([k.session, k.shadow, index].map((x) => redis.object('ENCODING', x))),
      fields,
      shadowShape: shadow?.replace(/^\d+\|/, '<abs>|').replace(userId, '<user>'),
      indexScoreIsAbsolute: members[members.indexOf(h) + 1] === abs,
      expiries: (await Promise.all([k.session, k.shadow, index].map((x) => redis.pttl(x)))).map((t) => t > 0),
    };
  };
  const a = await describe(real.userId, real.tag, real.hash);
  const b = await describe(populatedUserId, routingTagFor(populatedUserId));
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  if (ja !== jb) throw new Error(`populated sessions differ from SessionService.issue():\n issue():  ${ja}\n populate: ${jb}`);
  return `${a.types.join('/')} (${a.encodings.join('/')}), fields ${a.fields.join(',')}`;
}

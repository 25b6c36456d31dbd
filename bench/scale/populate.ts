import type { Redis } from 'ioredis';
import { newSelector, newVerifier, sessionPartOf, TAG_LENGTH, userDigest, verifierHash } from '../../lib/store/session.token';
import { INDEX_USER_FIELD, sessionKeys, userIndexKey } from '../../lib/store/session.keys';

/**
 * Writes sessions straight into Redis in the library's exact storage format (what store/scripts/create.lua writes:
 * the session hash with the same fields in the same order, the user index hash `<session part> → absolute deadline`
 * plus `@ → user id`, the same expiries), thousands per EVALSHA, so a million live sessions take seconds instead of
 * minutes. Selectors, key names and verifier hashes come from the library's own functions (newSelector,
 * sessionKeys, verifierHash); formatCheck() compares the result with a session SessionService.issue() created.
 * Sessions marked stale get only their index entry (their session expired and nobody cleaned the index): what the
 * sweep is for.
 */
const POPULATE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local idle, life, device, field = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]
local absolute = now + life
local expires = math.min(now + idle, absolute)
for i = 1, #KEYS / 2 do
  local s, u = KEYS[2 * i - 1], KEYS[2 * i]
  local a = 4 + (i - 1) * 5
  local part, verifier, user, json, stale = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5]
  if stale ~= '1' then
    redis.call('HSET', s, 'v', verifier, 'd', device, 'c', now, 'l', now, 'a', absolute, 'i', idle)
    redis.call('HSET', s, 'z', #field + #json)
    redis.call('HSET', s, field, json)
    redis.call('PEXPIREAT', s, expires)
  end
  redis.call('HSET', u, part, absolute, '@', user)
  redis.call('PEXPIREAT', u, absolute + 60000)
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
  userPrefix: string;
  batch?: number;
  inFlight?: number;
}

export const BENCH_DEVICE = 'Firefox on Linux';

export const usernameOf = (userId: string) => `name-${userId}`;

const DATA_FIELD = '.username';

export async function populate(redis: Redis, o: PopulateOptions, onProgress?: (done: number) => void): Promise<{ ms: number; stale: number }> {
  const started = Date.now();
  const sha = (await redis.script('LOAD', POPULATE_LUA)) as string;
  const batch = o.batch ?? 2000;
  const inFlight = o.inFlight ?? 3;
  const users = Math.ceil(o.sessions / o.sessionsPerUser);
  const staleEvery = o.staleFraction > 0 ? Math.round(1 / o.staleFraction) : 0;
  let stale = 0;
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < o.sessions) {
      const from = next;
      const to = Math.min(o.sessions, from + batch);
      next = to;
      const keys: string[] = [];
      const args: string[] = [String(o.idleMs), String(o.absoluteMs), BENCH_DEVICE, DATA_FIELD];
      for (let i = from; i < to; i++) {
        const userId = `${o.userPrefix}${i % users}`;
        const selector = newSelector(userId);
        const k = sessionKeys(o.prefix, selector);
        const isStale = staleEvery > 0 && i % staleEvery === staleEvery - 1;
        if (isStale) stale++;
        keys.push(k.session, k.index);
        args.push(sessionPartOf(selector), verifierHash(newVerifier()), userId, JSON.stringify(usernameOf(userId)), isStale ? '1' : '0');
      }
      await redis.evalsha(sha, keys.length, ...keys, ...args);
      done += to - from;
      onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { ms: Date.now() - started, stale };
}

/** What a stored value looks like, without the parts that differ between sessions (user ids, times, randomness). */
function shapeOf(field: string, value: string): string {
  if (/^(0|[1-9]\d*)$/.test(value)) return `${field}=int`;
  if (field.startsWith('.')) return `${field}=json`;
  return `${field}=str${value.length}`;
}

/**
 * Compares a populated session with one the library created: key name shapes, types, encodings, hash fields and
 * the shape of their values (integers vs strings, verifier hash length), the index's fields and values (deadline =
 * the session's absolute deadline, '@' = user id), and the expiries (session key at min(last seen + idle, absolute),
 * index at its latest deadline + 60 s). Throws on any difference.
 */
export async function formatCheck(
  redis: Redis, prefix: string, real: { userId: string; selector: string }, populatedUserId: string,
): Promise<string> {
  const describe = async (userId: string, selector?: string) => {
    const digest = userDigest(userId);
    const index = userIndexKey(prefix, digest);
    const entries = await redis.hgetall(index);
    const parts = Object.keys(entries).filter((f) => f !== INDEX_USER_FIELD);
    // Populated users may own stale entries (no session): take a live one.
    let sel = selector;
    for (const p of parts) {
      if (sel) break;
      if (await redis.exists(sessionKeys(prefix, digest + p).session)) sel = digest + p;
    }
    if (!sel) throw new Error(`formatCheck: no live session of ${userId}`);
    const k = sessionKeys(prefix, sel);
    const hash = await redis.hgetall(k.session);
    const fields = Object.keys(hash).sort();
    const [sessionAt, indexAt] = await Promise.all([k.session, k.index].map((x) => redis.call('PEXPIRETIME', x) as Promise<number>));
    const deadlines = parts.map((p) => Number(entries[p]));
    const rest = sel.slice(TAG_LENGTH);
    return {
      selectorLength: sel.length,
      digestIsUsers: sel.startsWith(digest),
      keyShapes: [k.session, k.index].map((x) =>
        x.replace(`{${sel!.slice(0, TAG_LENGTH)}}`, '{<tag>}').replace(rest, '<digest-rest><part>').replace(digest.slice(TAG_LENGTH), '<digest-rest>')),
      indexIsSessionKeysIndex: k.index === index,
      types: await Promise.all([k.session, k.index].map((x) => redis.type(x))),
      encodings: await Promise.all([k.session, k.index].map((x) => redis.object('ENCODING', x))),
      fields,
      fieldOrder: Object.keys(hash).join(','),
      valueShapes: fields.map((f) => shapeOf(f, hash[f])),
      deviceSame: hash.d === BENCH_DEVICE,
      dataBytes: Number(hash.z) === fields.filter((f) => f.startsWith('.')).reduce((n, f) => n + Buffer.byteLength(f) + Buffer.byteLength(hash[f]), 0),
      indexFieldShapes: [...new Set(Object.keys(entries).map((f) => (f === INDEX_USER_FIELD ? f : `<part${f.length}>`)))].sort(),
      indexNamesUser: entries[INDEX_USER_FIELD] === userId,
      indexEntryIsAbsolute: entries[sessionPartOf(sel)] === hash.a,
      createdIsLastSeen: hash.c === hash.l,
      sessionExpiresAtIdleOrAbsolute: sessionAt === Math.min(Number(hash.l) + Number(hash.i), Number(hash.a)),
      indexExpiresAtLatestPlus60s: indexAt === Math.max(...deadlines) + 60_000,
    };
  };
  const a = await describe(real.userId, real.selector);
  const b = await describe(populatedUserId);
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  if (ja !== jb) throw new Error(`populated sessions differ from SessionService.issue():\n issue():  ${ja}\n populate: ${jb}`);
  return `${a.types.join('/')} (${a.encodings.join('/')}), fields ${a.fields.join(',')}; index ${a.indexFieldShapes.join(',')}`;
}

import 'reflect-metadata';
import { Cluster, Redis } from 'ioredis';
import { SessionOptionsError } from '../errors';
import { DEFAULT_SESSION_OPTIONS, SessionModuleOptions } from './session.options';
import { resolveSessionOptions } from './session.options.resolver';

const URL = 'redis://127.0.0.1:1';

/** Resolves and returns the SessionOptionsError thrown, failing the test when none is. */
function problemsOf(raw: unknown): SessionOptionsError {
  try {
    resolveSessionOptions(raw as SessionModuleOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(SessionOptionsError);
    return err as SessionOptionsError;
  }
  throw new Error(`expected SessionOptionsError for ${JSON.stringify(raw)}`);
}

describe('resolveSessionOptions: defaults', () => {
  it('applies every documented default to a URL-only configuration', () => {
    const r = resolveSessionOptions({ redis: URL });
    expect(r).toMatchObject({
      redis: URL,
      keyPrefix: 'sess:',
      idleTimeoutSeconds: 1800,
      absoluteTimeoutSeconds: 86400,
      cookie: { name: 'sid', secure: false, sameSite: 'lax', path: '/', httpOnly: true },
      maxDataBytes: 16384,
      redisCommandTimeoutMs: 1000,
      events: { enabled: true, configureKeyspaceNotifications: false, sweepIntervalSeconds: 300, sweepBatchSize: 500 },
      cache: { enabled: false, maxEntries: 10000, maxStalenessMs: 30000, refreshIntervalMs: 180_000 },
    });
    expect(r.cookie.domain).toBeUndefined();
    expect(r.instanceId).toMatch(/^.+:\d+:[0-9a-f]{6}$/);
    expect(DEFAULT_SESSION_OPTIONS.keyPrefix).toBe('sess:');
  });

  it('keeps given values and fills only the missing nested ones (undefined counts as missing)', () => {
    const r = resolveSessionOptions({
      redis: URL,
      keyPrefix: 'app:',
      idleTimeoutSeconds: 60,
      absoluteTimeoutSeconds: 600,
      cookie: { name: 'app_sid', secure: true, sameSite: undefined },
      events: { enabled: false },
      cache: { enabled: true, refreshIntervalSeconds: 5 },
      instanceId: 'node-a',
    });
    expect(r.cookie).toEqual({ name: 'app_sid', secure: true, sameSite: 'lax', path: '/', httpOnly: true });
    expect(r.events).toEqual({ ...DEFAULT_SESSION_OPTIONS.events, enabled: false });
    expect(r.cache).toMatchObject({ enabled: true, maxEntries: 10000, maxStalenessMs: 30000, refreshIntervalMs: 5000 });
    expect(r).toMatchObject({ keyPrefix: 'app:', idleTimeoutSeconds: 60, absoluteTimeoutSeconds: 600, instanceId: 'node-a' });
  });

  it('derives the cache refresh interval as a tenth of the idle timeout, in ms', () => {
    expect(resolveSessionOptions({ redis: URL, idleTimeoutSeconds: 300 }).cache.refreshIntervalMs).toBe(30_000);
    expect(resolveSessionOptions({ redis: URL, idleTimeoutSeconds: 5 }).cache.refreshIntervalMs).toBe(500);
  });

  it('accepts the shortest idle timeout, 1 s, when the cache is off', () => {
    // The cache refresh interval only matters with the cache on; a 1 s idle timeout is a valid positive integer.
    const r = resolveSessionOptions({ redis: URL, idleTimeoutSeconds: 1, absoluteTimeoutSeconds: 2 });
    expect(r.idleTimeoutSeconds).toBe(1);
  });

  // An ioredis client has a cluster() method (the CLUSTER command): it must not be mistaken for { cluster: { nodes } }.
  it.each([
    ['Redis', () => new Redis({ lazyConnect: true })],
    ['Cluster', () => new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true })],
  ])('passes a live ioredis %s client through untouched (never copied)', (_kind, make) => {
    const client = make();
    try {
      expect(resolveSessionOptions({ redis: client }).redis).toBe(client);
    } finally {
      client.disconnect();
    }
  });

  it.each([
    ['a rediss:// URL', 'rediss://h:6380/0'],
    ['ioredis options', { host: '127.0.0.1', port: 6380 }],
    ['a Sentinel description', { sentinels: [{ host: 'h', port: 26379 }], name: 'mymaster' }],
    ['a Cluster description', { cluster: { nodes: ['redis://h:7000'] } }],
  ])('accepts %s as the redis connection', (_what, redis) => {
    expect(resolveSessionOptions({ redis: redis as never }).redis).toBe(redis);
  });
});

describe('resolveSessionOptions: problems', () => {
  it.each([
    [{ idleTimeoutSeconds: -5 }, 'idleTimeoutSeconds must be a positive integer, got -5'],
    [{ idleTimeoutSeconds: 0 }, 'idleTimeoutSeconds must be a positive integer, got 0'],
    [{ idleTimeoutSeconds: 1.5 }, 'idleTimeoutSeconds must be a positive integer, got 1.5'],
    [{ idleTimeoutSeconds: '1e3' }, 'idleTimeoutSeconds must be a positive integer, got "1e3"'],
    [{ absoluteTimeoutSeconds: -1 }, 'absoluteTimeoutSeconds must be a positive integer, got -1'],
    [{ maxDataBytes: 0 }, 'maxDataBytes must be a positive integer, got 0'],
    [{ maxDataBytes: 32 * 1024 * 1024 }, 'maxDataBytes must be at most 16777216, got 33554432'],
    [{ redisCommandTimeoutMs: -1 }, 'redisCommandTimeoutMs must be a positive integer, got -1'],
    [{ keyPrefix: 'a{b}' }, 'keyPrefix must be up to 64 characters without braces or spaces, got "a{b}"'],
    [{ keyPrefix: 'has space' }, 'keyPrefix must be up to 64 characters without braces or spaces'],
    [{ cookie: { sameSite: 'sideways' } }, 'cookie.sameSite must be one of lax, strict, none, got "sideways"'],
    [{ cookie: { name: 'bad name' } }, 'cookie.name must be a valid cookie name, got "bad name"'],
    [{ cookie: { secure: 'yes' } }, 'cookie.secure must be a boolean, got "yes"'],
    [{ cookie: { path: 'app' } }, 'cookie.path must start with / and contain no ; or spaces, got "app"'],
    [{ cookie: { sameSite: 'none' } }, 'cookie.sameSite "none" requires cookie.secure true'],
    [{ events: { sweepIntervalSeconds: -1 } }, 'events.sweepIntervalSeconds must be a non-negative integer, got -1'],
    [{ cache: { maxEntries: 0 } }, 'cache.maxEntries must be a positive integer, got 0'],
    [{ idleTimeoutSeconds: 100, absoluteTimeoutSeconds: 10 }, 'idleTimeoutSeconds (100) must not exceed absoluteTimeoutSeconds (10)'],
    [{ idleTimeoutSeconds: 60, cache: { refreshIntervalSeconds: 60 } }, 'cache.refreshIntervalSeconds (60) must be below idleTimeoutSeconds (60)'],
  ])('rejects %j with "%s"', (bad, message) => {
    const err = problemsOf({ redis: URL, ...bad });
    expect(err.message).toContain(message);
    expect(err.message.startsWith('SessionModule: ')).toBe(true);
    expect(err.name).toBe('SessionOptionsError');
  });

  it.each([
    [{}, 'redis is required'],
    [{ redis: null }, 'redis is required'],
    [{ redis: 'http://h:6379' }, 'redis must be a redis:// or rediss:// URL, got "http://h:6379"'],
    [{ redis: 6379 }, 'redis must be a URL, ioredis options or an ioredis client, got number'],
    [{ redis: { sentinels: [] } }, 'redis.sentinels must be a non-empty array'],
    [{ redis: { sentinels: [{ host: 'h', port: 1 }] } }, 'redis.name (the Sentinel master name) is required'],
    [{ redis: { cluster: { nodes: [] } } }, 'redis.cluster.nodes must be a non-empty array'],
  ])('rejects the connection %j with "%s"', (raw, message) => {
    expect(problemsOf(raw).message).toContain(message);
  });

  it.each([
    [{ cache: null }, 'cache must be an object, got null'],
    [{ cookie: null }, 'cookie must be an object, got null'],
    [{ legacy: null }, 'legacy must be an object, got null'],
    [{ csrf: null }, 'csrf must be an object, got null'],
    [{ csrf: { trustedOrigins: null } }, 'csrf.trustedOrigins must'],
    [{ idleTimeoutSeconds: null }, 'idleTimeoutSeconds must be a positive integer, got null'],
    [{ keyPrefix: null }, 'keyPrefix must'],
    [{ cookie: { domain: null } }, 'cookie.domain must be a string, got null'],
  ])('refuses a null option %j at boot, naming it (not a TypeError)', (bad, message) => {
    expect(problemsOf({ redis: URL, ...bad } as never).message).toContain(message);
  });

  it.each([[undefined], [null], ['redis://h'], [42]])('rejects non-object options %p', (raw) => {
    expect(problemsOf(raw).message).toContain('options must be an object');
  });

  it.each([
    [{ everySeconds: 30, graceSeconds: 30 }],
    [{ everySeconds: 10 }],
  ])('refuses a rotation period not above its grace period (%p), naming both options', (rotation) => {
    const err = problemsOf({ redis: URL, rotation });
    expect(err.message).toMatch(/rotation\.everySeconds \(\d+\) must be above rotation\.graceSeconds \(\d+\)/);
  });

  it('refuses an events-invalidated cache with events off', () => {
    const err = problemsOf({ redis: URL, cache: { enabled: true, invalidation: 'events' }, events: { enabled: false } });
    expect(err.message).toContain('cache.invalidation "events" needs events.enabled');
  });

  it('refuses a legacy migration without a map function or secrets, naming both', () => {
    const err = problemsOf({ redis: URL, legacy: { secrets: [] } as never });
    expect(err.message).toContain('legacy.map must be a function');
    expect(err.message).toContain('legacy.secrets must list');
  });

  it('refuses trustProxy as a boolean: it is a hop count', () => {
    expect(problemsOf({ redis: URL, binding: { trustProxy: true } }).message).toMatch(/binding\.trustProxy must be a non-negative integer, got true/);
  });

  it('takes values as ConfigService gives them from .env: integer and boolean strings, nested too', () => {
    const r = resolveSessionOptions({
      redis: URL, idleTimeoutSeconds: '600', cache: { enabled: 'true', maxEntries: ' 50 ' }, rotation: { everySeconds: '120' },
    } as unknown as SessionModuleOptions);
    expect(r).toMatchObject({ idleTimeoutSeconds: 600, cache: { enabled: true, maxEntries: 50 }, rotation: { everySeconds: 120 } });
  });

  it('names each bad option once, with the value given', () => {
    const err = problemsOf({ redis: URL, idleTimeoutSeconds: '6x0', maxDataBytes: -1 });
    expect(err.problems).toEqual([
      'idleTimeoutSeconds must be a positive integer, got "6x0"',
      'maxDataBytes must be a positive integer, got -1',
    ]);
  });

  it('lists every problem at once, each with its dotted path', () => {
    const err = problemsOf({ idleTimeoutSeconds: -5, keyPrefix: '{x}', cookie: { sameSite: 'sideways', path: 'x' } });
    expect(err.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('redis is required'),
        'idleTimeoutSeconds must be a positive integer, got -5',
        expect.stringContaining('keyPrefix must be'),
        'cookie.sameSite must be one of lax, strict, none, got "sideways"',
        expect.stringContaining('cookie.path must start with /'),
      ]),
    );
    expect(err.message).toBe(`SessionModule: ${err.problems.join('; ')}`);
  });
});

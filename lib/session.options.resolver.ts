import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { SessionOptionsError } from './errors';
import { isRedisClient } from './redis/redis-client.factory';
import {
  DEFAULT_SESSION_OPTIONS,
  ResolvedSessionOptions,
  SessionModuleOptions,
  SessionRedisConnection,
} from './session.options';

/** Walks class-validator's nested errors into `path: problem` lines, as nestjs/config does. */
function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((msg) => `${path} ${msg}`);
    return [...own, ...flatten(e.children ?? [], path)];
  });
}

function checkRedis(redis: SessionRedisConnection | undefined): string[] {
  if (redis === undefined || redis === null) return ['redis is required (a URL, ioredis options or an ioredis client)'];
  if (typeof redis === 'string') {
    return /^rediss?:\/\//.test(redis) ? [] : [`redis must be a redis:// or rediss:// URL, got ${JSON.stringify(redis)}`];
  }
  if (typeof redis !== 'object') return [`redis must be a URL, ioredis options or an ioredis client, got ${typeof redis}`];
  // A live client has a `cluster` method (the CLUSTER command): it is not a `{ cluster: { nodes } }` description.
  if (isRedisClient(redis)) return [];
  const maybeSentinel = redis as { sentinels?: unknown; name?: unknown };
  if (maybeSentinel.sentinels !== undefined) {
    const problems: string[] = [];
    if (!Array.isArray(maybeSentinel.sentinels) || maybeSentinel.sentinels.length === 0) {
      problems.push('redis.sentinels must be a non-empty array of { host, port }');
    }
    if (typeof maybeSentinel.name !== 'string' || !maybeSentinel.name) {
      problems.push('redis.name (the Sentinel master name) is required with redis.sentinels');
    }
    return problems;
  }
  const maybeCluster = redis as { cluster?: { nodes?: unknown } };
  if (maybeCluster.cluster !== undefined) {
    const nodes = maybeCluster.cluster?.nodes;
    return Array.isArray(nodes) && nodes.length > 0 ? [] : ['redis.cluster.nodes must be a non-empty array'];
  }
  return [];
}

/**
 * Applies defaults and validates the options. Lives in a provider (not in forRoot) so that the forRootAsync path,
 * whose options come from a factory, is checked the same way. Throws once with every problem listed.
 * @internal
 */
export function resolveSessionOptions(raw: SessionModuleOptions): ResolvedSessionOptions {
  if (!raw || typeof raw !== 'object') throw new SessionOptionsError(['options must be an object']);
  const { redis, ...rest } = raw;
  // The redis value may be a live client: keep it away from class-transformer, which would copy it.
  const instance = plainToInstance(SessionModuleOptions, rest as object);
  const problems = [
    ...checkRedis(redis),
    ...flatten(validateSync(instance, { forbidUnknownValues: false, whitelist: false })),
  ];
  const d = DEFAULT_SESSION_OPTIONS;
  const idle = raw.idleTimeoutSeconds ?? d.idleTimeoutSeconds;
  const absolute = raw.absoluteTimeoutSeconds ?? d.absoluteTimeoutSeconds;
  const cookie = { ...d.cookie, ...stripUndefined(raw.cookie ?? {}), httpOnly: true as const };
  if (problems.length === 0 && idle > absolute) {
    problems.push(`idleTimeoutSeconds (${idle}) must not exceed absoluteTimeoutSeconds (${absolute})`);
  }
  if (cookie.sameSite === 'none' && !cookie.secure) {
    problems.push('cookie.sameSite "none" requires cookie.secure true (browsers reject it otherwise)');
  }
  const cacheRaw = stripUndefined(raw.cache ?? {});
  const refreshMs = cacheRaw.refreshIntervalSeconds !== undefined ? cacheRaw.refreshIntervalSeconds * 1000 : idle * 100;
  if (problems.length === 0 && refreshMs >= idle * 1000) {
    problems.push(`cache.refreshIntervalSeconds (${refreshMs / 1000}) must be below idleTimeoutSeconds (${idle})`);
  }
  if (raw.cache?.enabled && raw.cache.invalidation === 'events' && raw.events?.enabled === false) {
    problems.push(`cache.invalidation "events" needs events.enabled (the cache learns of changes from the events)`);
  }
  const rotation = { ...d.rotation, ...stripUndefined(raw.rotation ?? {}) };
  // A period at or below the grace lets a token that was already replaced mint a new one before it dies.
  if (problems.length === 0 && rotation.everySeconds > 0 && rotation.everySeconds <= rotation.graceSeconds) {
    problems.push(
      `rotation.everySeconds (${rotation.everySeconds}) must be above rotation.graceSeconds (${rotation.graceSeconds})`,
    );
  }
  if (problems.length > 0) throw new SessionOptionsError(problems);

  return {
    redis,
    keyPrefix: raw.keyPrefix ?? d.keyPrefix,
    idleTimeoutSeconds: idle,
    absoluteTimeoutSeconds: absolute,
    cookie: cookie as ResolvedSessionOptions['cookie'],
    maxDataBytes: raw.maxDataBytes ?? d.maxDataBytes,
    compressValuesOverBytes: raw.compressValuesOverBytes ?? d.compressValuesOverBytes,
    batchTouches: raw.batchTouches ?? d.batchTouches,
    redisCommandTimeoutMs: raw.redisCommandTimeoutMs ?? d.redisCommandTimeoutMs,
    events: { ...d.events, ...stripUndefined(raw.events ?? {}) },
    cache: { ...d.cache, ...cacheRaw, refreshIntervalMs: refreshMs },
    acceptBearerToken: raw.acceptBearerToken ?? d.acceptBearerToken,
    maxSessionsPerUser: raw.maxSessionsPerUser ?? d.maxSessionsPerUser,
    onSessionLimit: raw.onSessionLimit ?? d.onSessionLimit,
    rememberMe: { ...d.rememberMe, ...stripUndefined(raw.rememberMe ?? {}) },
    binding: { ...d.binding, ...stripUndefined(raw.binding ?? {}) },
    rotation,
    checkRedisAtBoot: raw.checkRedisAtBoot ?? d.checkRedisAtBoot,
    strictRedisChecks: raw.strictRedisChecks ?? d.strictRedisChecks,
    instanceId: raw.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

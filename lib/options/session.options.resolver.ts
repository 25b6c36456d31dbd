import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { SessionOptionsError } from '../errors';
import { isRedisClient } from '../redis/redis.topology';
import {
  DefaultedSessionOptions, ResolvedSessionOptions, SessionModuleOptions, SessionRedisConnection,
} from './session.options';

/** Walks class-validator's nested errors into `path: problem` lines, as nestjs/config does. */
function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    return [...Object.values(e.constraints ?? {}).map((msg) => `${path} ${msg}`), ...flatten(e.children ?? [], path)];
  });
}

/** The messages of the checks that fail. */
const failing = (checks: ReadonlyArray<readonly [unknown, string]>) => checks.filter(([bad]) => bad).map(([, m]) => m);

function checkRedis(redis: SessionRedisConnection | undefined): string[] {
  if (redis === undefined || redis === null) return ['redis is required (a URL, ioredis options or an ioredis client)'];
  if (typeof redis === 'string') {
    return /^rediss?:\/\//.test(redis) ? [] : [`redis must be a redis:// or rediss:// URL, got ${JSON.stringify(redis)}`];
  }
  if (typeof redis !== 'object') return [`redis must be a URL, ioredis options or an ioredis client, got ${typeof redis}`];
  // First: a live client has a `cluster` method (the CLUSTER command), yet is no `{ cluster: { nodes } }`.
  if (isRedisClient(redis)) return [];
  const { sentinels, name, cluster } = redis as { sentinels?: unknown; name?: unknown; cluster?: { nodes?: unknown } };
  if (sentinels !== undefined) {
    return failing([
      [!Array.isArray(sentinels) || !sentinels.length, 'redis.sentinels must be a non-empty array of { host, port }'],
      [typeof name !== 'string' || !name, 'redis.name (the Sentinel master name) is required with redis.sentinels'],
    ]);
  }
  if (cluster === undefined) return [];
  const nodes = cluster?.nodes;
  return Array.isArray(nodes) && nodes.length > 0 ? [] : ['redis.cluster.nodes must be a non-empty array'];
}

/**
 * Applies the defaults and validates: in a provider, not in forRoot, so that forRootAsync's options are checked too.
 * Throws once, listing every problem. @internal
 */
export function resolveSessionOptions(raw: SessionModuleOptions): ResolvedSessionOptions {
  if (!raw || typeof raw !== 'object') throw new SessionOptionsError(['options must be an object']);
  // The redis value may be a live client: keep it away from class-transformer, which would copy it.
  const { redis, ...rest } = raw;
  // An option left undefined keeps its class's default (exposeDefaultValues).
  const o = plainToInstance(SessionModuleOptions, rest, { exposeDefaultValues: true }) as DefaultedSessionOptions;
  const problems = [
    ...checkRedis(redis),
    ...flatten(validateSync(o, { forbidUnknownValues: false, whitelist: false, stopAtFirstError: true })),
  ];
  // Cross-option checks compare values that passed their own checks (a null nested option would be a TypeError).
  if (problems.length > 0) throw new SessionOptionsError(problems);
  const idle = o.idleTimeoutSeconds;
  const refreshMs = (o.cache.refreshIntervalSeconds ?? idle / 10) * 1000;
  const problemsAcross = failing([
    [idle > o.absoluteTimeoutSeconds,
      `idleTimeoutSeconds (${idle}) must not exceed absoluteTimeoutSeconds (${o.absoluteTimeoutSeconds})`],
    [o.cookie.sameSite === 'none' && !o.cookie.secure,
      'cookie.sameSite "none" requires cookie.secure true (browsers reject it otherwise)'],
    [refreshMs >= idle * 1000, `cache.refreshIntervalSeconds (${refreshMs / 1000}) must be below idleTimeoutSeconds (${idle})`],
    [o.cache.enabled && o.cache.invalidation === 'events' && !o.events.enabled,
      'cache.invalidation "events" needs events.enabled (the cache learns of changes from the events)'],
    [o.legacy !== undefined && typeof o.legacy.map !== 'function', 'legacy.map must be a function (record) => { userId, device?, data? } | null'],
    [o.legacy !== undefined && (o.legacy.secrets ?? []).length === 0, 'legacy.secrets must list the secret(s) the legacy cookies were signed with'],
    [o.csrf.trustedOrigins.length > 0 && o.csrf.mode === 'off', 'csrf.trustedOrigins has no effect with csrf.mode "off"'],
    // A period at or below the grace lets a token that was already replaced mint a new one before it dies.
    [o.rotation.everySeconds > 0 && o.rotation.everySeconds <= o.rotation.graceSeconds,
      `rotation.everySeconds (${o.rotation.everySeconds}) must be above rotation.graceSeconds (${o.rotation.graceSeconds})`],
  ]);
  if (problemsAcross.length > 0) throw new SessionOptionsError(problemsAcross);
  return {
    ...o,
    redis,
    cookie: { ...o.cookie, httpOnly: true },
    cache: { ...o.cache, refreshIntervalMs: Math.round(refreshMs) },
  };
}

import type { SessionModuleOptions } from 'nestjs-redis-session';

/** One cell of the matrix: which features are on. Every combination is its own test. */
export interface Combo {
  cache: 'off' | 'tracking' | 'events';
  rotation: boolean;
  binding: boolean;
  limit: boolean;
}

export type LimitPolicy = 'evict-oldest' | 'refuse';

/** 3 cache modes x rotation x binding x limit: 24 combinations. */
export const COMBOS: Combo[] = (['off', 'tracking', 'events'] as const).flatMap((cache) =>
  [false, true].flatMap((rotation) =>
    [false, true].flatMap((binding) => [false, true].map((limit) => ({ cache, rotation, binding, limit }))),
  ),
);

export const comboName = (c: Combo) =>
  `cache=${c.cache} rotation=${c.rotation ? 'on' : 'off'} binding=${c.binding ? 'on' : 'off'} limit=${c.limit ? 'on' : 'off'}`;

/**
 * Lifetimes short enough that idle expiry, absolute expiry and rotation all happen inside a run of a few seconds.
 * Remembered sessions live longer, so that "created first" and "absolute deadline first" name different sessions.
 */
export const TIMING = {
  idleMs: 3000,
  absoluteMs: 4000,
  rememberedIdleMs: 3000,
  rememberedAbsoluteMs: 6000,
  rotationEveryMs: 2000,
  rotationGraceMs: 1000,
  /** The cache re-asks Redis this often (the library's default: a tenth of the idle timeout). */
  cacheRefreshMs: 300,
  maxStalenessMs: 1000,
  /** Clock resolution and scheduling: Date.now() around a request versus Redis TIME inside it. */
  slackMs: 30,
} as const;

export const MAX_SESSIONS_PER_USER = 2;

/**
 * A Redis for the events combinations that refuses CLIENT TRACKING, as managed services do: with it, a library
 * that does not implement `invalidation: 'events'` yet (and treats it as `auto`) still runs its events fallback.
 */
export function redisArgsFor(combo: Combo): string[] {
  return combo.cache === 'events' ? ['--user', 'default', 'on', 'nopass', '~*', '&*', '+@all', '-client|tracking'] : [];
}

export function sessionOptionsFor(
  combo: Combo, redisUrl: string, keyPrefix: string, instanceId: string, policy: LimitPolicy,
): SessionModuleOptions {
  const cache =
    combo.cache === 'off'
      ? { enabled: false }
      : { enabled: true, invalidation: combo.cache, maxStalenessMs: TIMING.maxStalenessMs };
  return {
    redis: redisUrl,
    keyPrefix,
    instanceId,
    checkRedisAtBoot: false,
    // Every combination serves API clients too (the `bearer` operation): their tokens must never rotate.
    acceptBearerToken: true,
    // The checker's own load (many combinations at once on a small machine) must not turn into 503s.
    redisCommandTimeoutMs: 5000,
    idleTimeoutSeconds: TIMING.idleMs / 1000,
    absoluteTimeoutSeconds: TIMING.absoluteMs / 1000,
    rememberMe: { idleTimeoutSeconds: TIMING.rememberedIdleMs / 1000, absoluteTimeoutSeconds: TIMING.rememberedAbsoluteMs / 1000 },
    events: { enabled: true, configureKeyspaceNotifications: true, sweepIntervalSeconds: 0 },
    cache,
    rotation: combo.rotation
      ? { everySeconds: TIMING.rotationEveryMs / 1000, graceSeconds: TIMING.rotationGraceMs / 1000 }
      : undefined,
    binding: combo.binding ? { userAgent: true } : undefined,
    maxSessionsPerUser: combo.limit ? MAX_SESSIONS_PER_USER : 0,
    onSessionLimit: policy,
  };
}

import type { SessionCacheOptions, SessionModuleOptions } from 'nestjs-redis-session';
import { mapLegacySession } from '../auth/legacy-session.map';
import type { SampleAppConfig, SampleCacheMode } from './sample-app-config';

/**
 * SESSION_CACHE → the library's cache option. `tracking` asks for Redis-assisted invalidation where Redis allows it
 * (`auto` falls back to the library's own events, e.g. on Cluster), rather than `tracking`, which would bypass the
 * cache wherever Redis refuses CLIENT TRACKING.
 */
const CACHE_OPTIONS: Record<SampleCacheMode, SessionCacheOptions> = {
  tracking: { enabled: true, invalidation: 'auto' },
  events: { enabled: true, invalidation: 'events' },
  off: { enabled: false },
};

/** The library options the sample app runs with. Pure, so the env → options mapping is testable without Redis. */
export function sessionModuleOptionsFor(config: SampleAppConfig): SessionModuleOptions {
  return {
    redis: config.redis,
    idleTimeoutSeconds: config.idleSeconds,
    absoluteTimeoutSeconds: config.absoluteSeconds,
    cookie: { name: 'sid', secure: config.cookieSecure, sameSite: 'lax', path: '/' },
    // Expiry events work on a stock Redis: the library adds the notify-keyspace-events flags it needs.
    events: { configureKeyspaceNotifications: true },
    cache: CACHE_OPTIONS[config.cache],
    // Passed as given: the library refuses a period at or below the grace at boot, naming both options.
    rotation: { everySeconds: config.rotationSeconds, graceSeconds: config.rotationGraceSeconds },
    maxSessionsPerUser: config.maxSessionsPerUser,
    onSessionLimit: config.onSessionLimit,
    binding: { userAgent: config.binding.userAgent, ip: config.binding.ip, trustProxy: config.trustProxyHops },
    // On by default: an unsafe request a browser marks cross-site answers 403 (CSRF_MODE=token also wants the token).
    csrf: { mode: config.csrf },
    // Users of the app's express-session era keep their sign-in (connect.sid, connect-redis records `sess:<id>`).
    legacy: config.legacySecret ? { secrets: [config.legacySecret], map: mapLegacySession } : undefined,
    ...config.sessionOverrides,
  };
}

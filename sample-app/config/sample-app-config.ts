import type { SessionModuleOptions, SessionRedisConnection } from 'nestjs-redis-session';

/** SESSION_CACHE: how the local session cache learns of changes made elsewhere, or `off` for no cache. */
export type SampleCacheMode = 'tracking' | 'events' | 'off';

/** SESSION_ON_LIMIT: what a login does when the user already has SESSION_MAX_PER_USER sessions. */
export type SampleSessionLimitPolicy = 'evict-oldest' | 'refuse';

/** CSRF_MODE: `origin` refuses unsafe requests a browser marks cross-site; `token` also wants X-CSRF-Token. */
export type SampleCsrfMode = 'origin' | 'token' | 'off';

/** What the sample app is built from. main.ts reads it from the environment; tests build it directly. */
export interface SampleAppConfig {
  /** Where sessions live: a URL, `{ sentinels, name }`, `{ cluster: { nodes } }`, ioredis options or a client. */
  redis: SessionRedisConnection;
  /** SESSION_IDLE_SECONDS: sliding idle timeout. */
  idleSeconds: number;
  /** SESSION_ABSOLUTE_SECONDS: lifetime from login, however active the session is. */
  absoluteSeconds: number;
  /** COOKIE_SECURE: send the cookie over HTTPS only. */
  cookieSecure: boolean;
  /** SESSION_CACHE. */
  cache: SampleCacheMode;
  /** SESSION_ROTATION_SECONDS: rotate the token of a session in use this often; 0 turns rotation off. */
  rotationSeconds: number;
  /** SESSION_ROTATION_GRACE_SECONDS: how long a rotated-away token keeps working. */
  rotationGraceSeconds: number;
  /** SESSION_MAX_PER_USER: most live sessions per user; 0 means no limit. */
  maxSessionsPerUser: number;
  /** SESSION_ON_LIMIT. */
  onSessionLimit: SampleSessionLimitPolicy;
  /** SESSION_BINDING: which client traits a session is bound to (a mismatch ends it). */
  binding: { userAgent: boolean; ip: boolean };
  /** TRUST_PROXY_HOPS: how many proxies in front of the app append to X-Forwarded-For; 0 ignores the header. */
  trustProxyHops: number;
  /** CSRF_MODE. */
  csrf: SampleCsrfMode;
  /**
   * GRAPHQL: serve POST /graphql and its subscriptions (default). `false` leaves them out, and with them what the
   * GraphQL server costs every other request (bench/README.md: 9 µs on Express).
   */
  graphql?: boolean;
  /** LEGACY_SESSION_SECRET: signs in holders of an express-session cookie signed with it, once (unset: off). */
  legacySecret?: string;
  /** Extra library options, applied last (tests use them for short TTLs and private key prefixes). */
  sessionOverrides?: Partial<SessionModuleOptions>;
}

/** Everything in SampleAppConfig but the Redis connection: what the environment alone decides. */
export type SampleAppSettings = Omit<SampleAppConfig, 'redis' | 'sessionOverrides'>;

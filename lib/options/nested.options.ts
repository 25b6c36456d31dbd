import { IsArray, IsOptional, IsString, Matches } from 'class-validator';
import {
  Given, must, OptionalBoolean, OptionalCookieName, OptionalMatches, OptionalNonNegativeInt, OptionalOneOf,
  OptionalPositiveInt, OptionalString,
} from './option.validators';

/** Cookie settings. HttpOnly is always on: a cookie readable from script is an XSS-to-takeover path. @publicApi */
export class SessionCookieOptions {
  /** Cookie name. @default 'sid' */
  @OptionalCookieName() name?: string = 'sid';
  /** Send only over HTTPS. Turn on in production. @default false */
  @OptionalBoolean() secure?: boolean = false;
  /** SameSite attribute. `none` requires `secure`. @default 'lax' */
  @OptionalOneOf(['lax', 'strict', 'none']) sameSite?: 'lax' | 'strict' | 'none' = 'lax';
  /** Domain attribute; leave unset to bind the cookie to the exact host (safest). @default undefined */
  @OptionalString() domain?: string;
  /** Path attribute. @default '/' */
  @OptionalMatches(/^\/[^;\s]*$/, 'start with / and contain no ; or spaces') path?: string = '/';
}

/** The per-instance cache of resolved sessions (see README "Events and the local cache"). @publicApi */
export class SessionCacheOptions {
  /** Keep hot sessions in memory so that a request costs no Redis round trip. @default false */
  @OptionalBoolean() enabled?: boolean = false;
  /** Most sessions kept (LRU). @default 10000 */
  @OptionalPositiveInt() maxEntries?: number = 10000;
  /** Longest time a cached session is trusted without Redis confirming it, in ms. @default 30000 */
  @OptionalPositiveInt() maxStalenessMs?: number = 30000;
  /**
   * How this instance learns that a cached session changed or ended elsewhere: `tracking`, Redis server-assisted
   * tracking (CLIENT TRACKING with REDIRECT; where Redis refuses it, the cache is bypassed); `events`, the library's
   * Pub/Sub events; `auto`, tracking where Redis allows it (not Cluster, often not managed Redis), else events. In
   * every mode the cache is emptied and bypassed while the invalidation connection is down. @default 'auto'
   */
  @OptionalOneOf(['auto', 'tracking', 'events']) invalidation?: 'auto' | 'tracking' | 'events' = 'auto';
  /**
   * A cached session's idle expiry in Redis moves forward at most once per this many seconds, so the effective idle
   * timeout lies between `idleTimeoutSeconds - refreshIntervalSeconds` and `idleTimeoutSeconds`. @default idle / 10
   */
  @OptionalPositiveInt() refreshIntervalSeconds?: number;
}

/** Timeouts of sessions created with `remember: true` (persistent cookie); also caps their own timeouts. @publicApi */
export class SessionRememberMeOptions {
  /** Idle timeout of remembered sessions. @default 604800 (7 days) */
  @OptionalPositiveInt() idleTimeoutSeconds?: number = 604800;
  /** Absolute lifetime of remembered sessions; also the cookie's Max-Age. @default 2592000 (30 days) */
  @OptionalPositiveInt() absoluteTimeoutSeconds?: number = 2592000;
}

/**
 * Binds a session to the client that created it (OWASP: binding for detection; only hashes are stored). A mismatch
 * ends the session (event reason `hijack-suspected`) and answers 401. @publicApi
 */
export class SessionBindingOptions {
  /** Bind to the User-Agent header. @default false */
  @OptionalBoolean() userAgent?: boolean = false;
  /** Bind to the client IP. Mobile users change IPs often: expect sign-outs. @default false */
  @OptionalBoolean() ip?: boolean = false;
  /**
   * Proxies in front of the app (hop count), as Express's `trust proxy`. 0: the socket's address is the client's.
   * N: the Nth X-Forwarded-For entry from the right (those left of it come from the client: never trusted). @default 0
   */
  @OptionalNonNegativeInt() trustProxy?: number = 0;
}

/** Periodic token rotation of sessions in use: limits how long a stolen token stays useful. @publicApi */
export class SessionRotationOptions {
  /** Rotate the token of a session in use this often; 0 turns rotation off. Must be above `graceSeconds`. @default 0 */
  @OptionalNonNegativeInt() everySeconds?: number = 0;
  /** How long the previous token still works after a rotation (requests in flight). @default 30 */
  @OptionalNonNegativeInt() graceSeconds?: number = 30;
}

/** Session lifecycle events and stale-reference cleanup. @publicApi */
export class SessionEventsOptions {
  /** Publish created/invalidated events and listen for them and for Redis expiry/eviction. @default true */
  @OptionalBoolean() enabled?: boolean = true;
  /**
   * At boot, add the `notify-keyspace-events` flags the library needs with CONFIG SET; when off (managed Redis often
   * forbids CONFIG), missing flags are logged as a warning. @default false
   */
  @OptionalBoolean() configureKeyspaceNotifications?: boolean = false;
  /** Seconds between cleanup sweeps of user indexes (one instance at a time runs it); 0 turns it off. @default 300 */
  @OptionalNonNegativeInt() sweepIntervalSeconds?: number = 300;
  /** SCAN COUNT per sweep step: keeps every single Redis command short. @default 500 */
  @OptionalPositiveInt() sweepBatchSize?: number = 500;
}

/** CSRF protection beyond SameSite=Lax for routes behind SessionGuard (README "CSRF"). @publicApi */
export class SessionCsrfOptions {
  /**
   * `off`; `origin`: refuse unsafe requests (POST, PUT, PATCH, DELETE) whose `Sec-Fetch-Site` is `cross-site` or
   * `same-site`, or, without Fetch Metadata, whose `Origin` is not the app's own nor trusted; `token`: `origin`, and
   * unsafe requests with a session must carry its token (SessionService.csrfToken) in `header`. @default 'off'
   */
  @OptionalOneOf(['off', 'origin', 'token']) mode?: 'off' | 'origin' | 'token' = 'off';
  /** Other origins whose unsafe requests are accepted, e.g. `['https://admin.example.com']`. @default [] */
  @Given()
  @IsArray(must('be an array of origins'))
  @Matches(/^https?:\/\/[^/\s]+$/, { each: true, ...must('be origins like https://example.com') })
  trustedOrigins?: string[] = [];
  /** The request header that carries the token in `token` mode. @default 'x-csrf-token' */
  @OptionalMatches(/^[a-z0-9-]{1,64}$/, 'be a lower-case header name') header?: string = 'x-csrf-token';
}

/** What a legacy session record becomes: the new session's user, device and data; null refuses it (no session). */
export interface LegacySessionMapping { userId: string; device?: string; data?: Record<string, unknown> }

/**
 * Signs in, once, users who still hold an express-session + connect-redis (or @fastify/session + Redis) cookie:
 * README "Migrating from express-session". Remove the option once `until` has passed. @publicApi
 */
export class SessionLegacyOptions {
  /** The legacy cookie's name. @default 'connect.sid' */
  @OptionalCookieName() cookieName?: string = 'connect.sid';
  /** The secrets the legacy cookie was signed with, newest first (express-session's `secret`, as an array). */
  @IsArray(must('be a non-empty array of strings'))
  @IsString({ each: true, ...must('be a non-empty array of strings') })
  secrets: string[];
  /** Prefix of the legacy records (connect-redis's `prefix`). @default 'sess:' */
  @OptionalString() prefix?: string = 'sess:';
  /** Turns a legacy record (connect-redis's JSON: `{ cookie, ...yourFields }`) into the new session, or refuses it. */
  map: (record: Record<string, unknown>) => LegacySessionMapping | null | Promise<LegacySessionMapping | null>;
  /** After this date legacy cookies are ignored (and boot says the option can go). @default no end */
  @IsOptional() until?: Date;
}

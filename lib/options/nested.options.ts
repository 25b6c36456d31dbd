import { IsArray, IsOptional, IsString, Matches } from 'class-validator';
import {
  got, OptionalBoolean, OptionalCookieName, OptionalNonNegativeInt, OptionalOneOf, OptionalPositiveInt, OptionalString,
} from './option.validators';

// The nested groups of SessionModuleOptions, one class each: validated as nested objects, documented once.

/**
 * Cookie settings. HttpOnly is always on: a session cookie readable from script is an XSS-to-takeover path.
 * @publicApi
 */
export class SessionCookieOptions {
  /** Cookie name. @default 'sid' */
  @OptionalCookieName()
  name?: string;

  /** Send only over HTTPS. Turn on in production. @default false */
  @OptionalBoolean()
  secure?: boolean;

  /** SameSite attribute. `none` requires `secure`. @default 'lax' */
  @OptionalOneOf(['lax', 'strict', 'none'])
  sameSite?: 'lax' | 'strict' | 'none';

  /** Domain attribute; leave unset to bind the cookie to the exact host (safest). @default undefined */
  @OptionalString()
  domain?: string;

  /** Path attribute. @default '/' */
  @IsOptional()
  @Matches(/^\/[^;\s]*$/, { message: (a) => `must start with / and contain no ; or spaces${got(a)}` })
  path?: string;
}

/** The per-instance cache of resolved sessions (see README "Events and the local cache"). @publicApi */
export class SessionCacheOptions {
  /** Keep hot sessions in memory so that a request costs no Redis round trip. @default false */
  @OptionalBoolean()
  enabled?: boolean;

  /** Most sessions kept (LRU). @default 10000 */
  @OptionalPositiveInt()
  maxEntries?: number;

  /** Longest time a cached session is trusted without Redis confirming it, in ms. @default 30000 */
  @OptionalPositiveInt()
  maxStalenessMs?: number;

  /**
   * How this instance learns that a cached session changed or ended on another instance:
   * - `auto`: Redis server-assisted tracking where Redis allows it (CLIENT TRACKING with REDIRECT), else `events`;
   * - `tracking`: tracking only; where Redis refuses it the cache is bypassed (every request goes to Redis);
   * - `events`: the library's own events on its Pub/Sub channel (what Cluster and managed Redis get with `auto`).
   * In every mode the cache is emptied and bypassed while the connection that carries invalidations is down.
   * @default 'auto'
   */
  @OptionalOneOf(['auto', 'tracking', 'events'])
  invalidation?: 'auto' | 'tracking' | 'events';

  /**
   * The idle expiry in Redis is pushed forward at most once per this many seconds for a cached session, so the
   * effective idle timeout is between `idleTimeoutSeconds - refreshIntervalSeconds` and `idleTimeoutSeconds`.
   * @default a tenth of idleTimeoutSeconds (at least 1)
   */
  @OptionalPositiveInt()
  refreshIntervalSeconds?: number;
}

/**
 * Timeouts of sessions created with `remember: true` (a persistent cookie). They are also the caps for such
 * sessions' own per-session timeouts.
 * @publicApi
 */
export class SessionRememberMeOptions {
  /** Idle timeout of remembered sessions. @default 604800 (7 days) */
  @OptionalPositiveInt()
  idleTimeoutSeconds?: number;

  /** Absolute lifetime of remembered sessions; also the cookie's Max-Age. @default 2592000 (30 days) */
  @OptionalPositiveInt()
  absoluteTimeoutSeconds?: number;
}

/**
 * Binds a session to the client that created it (OWASP: binding for detection). Only hashes are stored. A request
 * whose User-Agent or IP no longer matches ends the session (event reason `hijack-suspected`) and gets 401.
 * @publicApi
 */
export class SessionBindingOptions {
  /** Bind to the User-Agent header. @default false */
  @OptionalBoolean()
  userAgent?: boolean;

  /** Bind to the client IP. Mobile users change IPs often: expect sign-outs. @default false */
  @OptionalBoolean()
  ip?: boolean;

  /**
   * How many proxies you run in front of the app (hop count). 0: X-Forwarded-For is ignored and the socket's address
   * is the client's. N: the client is the Nth entry from the right of X-Forwarded-For (the entries left of it are
   * written by the client and never trusted). Express's `trust proxy` takes the same number. @default 0
   */
  @OptionalNonNegativeInt()
  trustProxy?: number;
}

/**
 * Periodic token rotation: a session in use gets a new token every `everySeconds` (the old one keeps working for
 * `graceSeconds`, for requests already in flight). Limits how long a stolen token stays useful.
 * @publicApi
 */
export class SessionRotationOptions {
  /** Rotate the token of a session in use this often; 0 turns rotation off. Must be above `graceSeconds`. @default 0 */
  @OptionalNonNegativeInt()
  everySeconds?: number;

  /** How long the previous token still works after a rotation. @default 30 */
  @OptionalNonNegativeInt()
  graceSeconds?: number;
}

/** Session lifecycle events and stale-reference cleanup. @publicApi */
export class SessionEventsOptions {
  /** Publish created/invalidated events and listen for them and for Redis expiry/eviction. @default true */
  @OptionalBoolean()
  enabled?: boolean;

  /**
   * At boot, add the `notify-keyspace-events` flags the library needs with CONFIG SET. Off by default because
   * managed Redis services often forbid CONFIG; when off, missing flags are reported as a warning.
   * @default false
   */
  @OptionalBoolean()
  configureKeyspaceNotifications?: boolean;

  /** Seconds between cleanup sweeps of user indexes (one instance at a time runs it); 0 turns it off. @default 300 */
  @OptionalNonNegativeInt()
  sweepIntervalSeconds?: number;

  /** SCAN COUNT per sweep step: keeps every single Redis command short. @default 500 */
  @OptionalPositiveInt()
  sweepBatchSize?: number;
}

/**
 * Cross-site request forgery protection for routes behind SessionGuard (see README "CSRF"). SameSite=Lax is a floor:
 * `origin` refuses unsafe requests (POST, PUT, PATCH, DELETE) that a browser marks cross-site; `token` also requires
 * the session's synchronizer token in a header.
 * @publicApi
 */
export class SessionCsrfOptions {
  /**
   * `off`; `origin`: refuse unsafe requests whose `Sec-Fetch-Site` is `cross-site` or `same-site`, or, where a browser
   * sends no Fetch Metadata, whose `Origin` is not the app's own (nor trusted); `token`: `origin`, and unsafe requests
   * made with a session must carry its token (SessionService.csrfToken) in `header`. @default 'off'
   */
  @OptionalOneOf(['off', 'origin', 'token'])
  mode?: 'off' | 'origin' | 'token';

  /** Other origins whose unsafe requests are accepted, e.g. `['https://admin.example.com']`. @default [] */
  @IsOptional()
  @IsArray({ message: (a) => `must be an array of origins${got(a)}` })
  @Matches(/^https?:\/\/[^/\s]+$/, { each: true, message: (a) => `must be origins like https://example.com${got(a)}` })
  trustedOrigins?: string[];

  /** The request header that carries the token in `token` mode. @default 'x-csrf-token' */
  @IsOptional()
  @Matches(/^[a-z0-9-]{1,64}$/, { message: (a) => `must be a lower-case header name${got(a)}` })
  header?: string;
}

/** What a legacy session record becomes: the new session's user, device and data; null refuses it (no session). */
export interface LegacySessionMapping {
  userId: string;
  device?: string;
  data?: Record<string, unknown>;
}

/**
 * Signs in users who still hold an express-session + connect-redis cookie (or @fastify/session with a Redis store),
 * once, without a login: see README "Migrating from express-session". Remove the option once `until` has passed.
 * @publicApi
 */
export class SessionLegacyOptions {
  /** The legacy cookie's name. @default 'connect.sid' */
  @OptionalCookieName()
  cookieName?: string;

  /** The secrets the legacy cookie was signed with, newest first (express-session's `secret`, as an array). */
  @IsArray({ message: (a) => `must be a non-empty array of strings${got(a)}` })
  @IsString({ each: true, message: (a) => `must be a non-empty array of strings${got(a)}` })
  secrets: string[];

  /** Prefix of the legacy records (connect-redis's `prefix`). @default 'sess:' */
  @OptionalString()
  prefix?: string;

  /** Turns a legacy record (connect-redis's JSON: `{ cookie, ...yourFields }`) into the new session, or refuses it. */
  map: (record: Record<string, unknown>) => LegacySessionMapping | null | Promise<LegacySessionMapping | null>;

  /** After this date legacy cookies are ignored (and boot says the option can go). @default no end */
  @IsOptional()
  until?: Date;
}

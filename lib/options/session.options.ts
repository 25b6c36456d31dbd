import type { RedisOptions } from 'ioredis';
import { IsOptional, IsString, Matches, Max, MaxLength } from 'class-validator';
import {
  got,
  OptionalBoolean,
  OptionalNested,
  OptionalNonNegativeInt,
  OptionalOneOf,
  OptionalPositiveInt,
} from './option.validators';

/**
 * An ioredis `Redis` or `Cluster` the app owns, from its own copy of ioredis 5 or 6: recognised by shape (not
 * `instanceof`), used as is and never closed by the library.
 * @publicApi
 */
export interface SessionRedisClient {
  readonly isCluster: boolean;
  duplicate(...args: never[]): unknown;
  sendCommand(...args: never[]): unknown;
}

/** Where the sessions live: a URL, ioredis options, Sentinel/Cluster descriptions, or a client the app owns. @publicApi */
export type SessionRedisConnection =
  | string
  | RedisOptions
  | { cluster: { nodes: Array<string | { host: string; port: number }>; options?: Record<string, unknown> } }
  | SessionRedisClient;

/**
 * Cookie settings. HttpOnly is always on: a session cookie readable from script is an XSS-to-takeover path.
 * @publicApi
 */
export class SessionCookieOptions {
  /** Cookie name. @default 'sid' */
  @IsOptional()
  @Matches(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, { message: (a) => `must be a valid cookie name${got(a)}` })
  name?: string;

  /** Send only over HTTPS. Turn on in production. @default false */
  @OptionalBoolean()
  secure?: boolean;

  /** SameSite attribute. `none` requires `secure`. @default 'lax' */
  @OptionalOneOf(['lax', 'strict', 'none'])
  sameSite?: 'lax' | 'strict' | 'none';

  /** Domain attribute; leave unset to bind the cookie to the exact host (safest). @default undefined */
  @IsOptional()
  @IsString({ message: (a) => `must be a string${got(a)}` })
  domain?: string;

  /** Path attribute. @default '/' */
  @IsOptional()
  @Matches(/^\/[^;\s]*$/, { message: (a) => `must start with / and contain no ; or spaces${got(a)}` })
  path?: string;
}

/**
 * The per-instance cache of resolved sessions (see README "Events and the local cache").
 * @publicApi
 */
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

/**
 * Session lifecycle events and stale-reference cleanup.
 * @publicApi
 */
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
 * Options of SessionModule.forRoot / forRootAsync. Units are in the names.
 * @publicApi
 */
export class SessionModuleOptions {
  /**
   * Redis connection: a URL (`redis://host:6379/0`), ioredis options, `{ sentinels, name }`,
   * `{ cluster: { nodes } }`, or an existing ioredis client. A client passed in is used as is and never closed by
   * the library; clients the library opens get fail-fast settings (see README).
   */
  redis: SessionRedisConnection;

  /** Prefix of every key the library writes. Must not contain `{` or `}` (they carry Cluster hash tags). @default 'sess:' */
  @IsOptional()
  @Matches(/^[^{}\s]{0,64}$/, { message: (a) => `must be up to 64 characters without braces or spaces${got(a)}` })
  keyPrefix?: string;

  /** Sliding idle timeout: a session unused this long expires. @default 1800 */
  @OptionalPositiveInt()
  idleTimeoutSeconds?: number;

  /** Absolute lifetime from creation; sliding never extends a session past it. @default 86400 */
  @OptionalPositiveInt()
  absoluteTimeoutSeconds?: number;

  /** Cookie attributes. */
  @OptionalNested(SessionCookieOptions)
  cookie?: SessionCookieOptions;

  /** Most bytes of data (field names + JSON values) one session may hold. @default 16384 */
  @OptionalPositiveInt()
  @Max(16 * 1024 * 1024, { message: (a) => `must be at most 16777216${got(a)}` })
  maxDataBytes?: number;

  /**
   * Compress data values of at least this many bytes of JSON (brotli, marked so reads know); 0 turns it off.
   * For large carts or preferences; `maxDataBytes` counts the stored (compressed) size. @default 0
   */
  @OptionalNonNegativeInt()
  compressValuesOverBytes?: number;

  /**
   * Send the session reads of all requests that arrive in one event-loop turn as one script call (standalone and
   * Sentinel; Cluster always sends one per request). Under load it cuts the per-request cost of the socket write
   * and of ioredis itself; a lone request waits one setImmediate. @default true
   */
  @OptionalBoolean()
  batchTouches?: boolean;

  /** Each Redis command fails after this many ms (the request then gets 503). @default 1000 */
  @OptionalPositiveInt()
  redisCommandTimeoutMs?: number;

  /** Events and cleanup. */
  @OptionalNested(SessionEventsOptions)
  events?: SessionEventsOptions;

  /** Local cache of hot sessions. */
  @OptionalNested(SessionCacheOptions)
  cache?: SessionCacheOptions;

  /**
   * Check at boot that the Redis deployment can keep sessions (persistence, eviction policy, notification flags)
   * and log what is at risk. Read-only. @default true
   */
  @OptionalBoolean()
  checkRedisAtBoot?: boolean;

  /** Stop boot when that check finds a risk, instead of warning. @default false */
  @OptionalBoolean()
  strictRedisChecks?: boolean;

  /** Also accept `Authorization: Bearer <token>` (non-browser clients; the same guard and sessions). @default false */
  @OptionalBoolean()
  acceptBearerToken?: boolean;

  /** Most live sessions one user may have; 0 means no limit. @default 0 */
  @OptionalNonNegativeInt()
  maxSessionsPerUser?: number;

  /**
   * At the limit, a new login ends the oldest session (`evict-oldest`, event reason `max-sessions`) or is refused
   * with SessionLimitError (409). @default 'evict-oldest'
   */
  @OptionalOneOf(['evict-oldest', 'refuse'])
  onSessionLimit?: 'evict-oldest' | 'refuse';

  /** Timeouts of remembered sessions. */
  @OptionalNested(SessionRememberMeOptions)
  rememberMe?: SessionRememberMeOptions;

  /** Rotate tokens of sessions in use every N seconds. Off by default. */
  @OptionalNested(SessionRotationOptions)
  rotation?: SessionRotationOptions;

  /** Hijack detection by binding sessions to the client. Off by default. */
  @OptionalNested(SessionBindingOptions)
  binding?: SessionBindingOptions;

  /** Name of this app instance in events (`instance`). @default `<hostname>:<pid>:<random>` */
  @IsOptional()
  @IsString({ message: (a) => `must be a string${got(a)}` })
  @MaxLength(128)
  instanceId?: string;
}

/** Options after defaults are applied: what every provider sees. @internal */
export interface ResolvedSessionOptions {
  redis: SessionRedisConnection;
  keyPrefix: string;
  idleTimeoutSeconds: number;
  absoluteTimeoutSeconds: number;
  cookie: Required<Omit<SessionCookieOptions, 'domain'>> & { domain?: string; httpOnly: true };
  maxDataBytes: number;
  compressValuesOverBytes: number;
  batchTouches: boolean;
  redisCommandTimeoutMs: number;
  events: Required<SessionEventsOptions>;
  cache: Required<Omit<SessionCacheOptions, 'refreshIntervalSeconds'>> & { refreshIntervalMs: number };
  instanceId: string;
  checkRedisAtBoot: boolean;
  strictRedisChecks: boolean;
  acceptBearerToken: boolean;
  maxSessionsPerUser: number;
  onSessionLimit: 'evict-oldest' | 'refuse';
  rememberMe: Required<SessionRememberMeOptions>;
  binding: Required<SessionBindingOptions>;
  rotation: Required<SessionRotationOptions>;
}

/** Every default in one place. */
export const DEFAULT_SESSION_OPTIONS = {
  keyPrefix: 'sess:',
  idleTimeoutSeconds: 1800,
  absoluteTimeoutSeconds: 86400,
  cookie: { name: 'sid', secure: false, sameSite: 'lax', path: '/' },
  maxDataBytes: 16384,
  compressValuesOverBytes: 0,
  batchTouches: true,
  redisCommandTimeoutMs: 1000,
  events: { enabled: true, configureKeyspaceNotifications: false, sweepIntervalSeconds: 300, sweepBatchSize: 500 },
  cache: { enabled: false, invalidation: 'auto', maxEntries: 10000, maxStalenessMs: 30000 },
  checkRedisAtBoot: true,
  strictRedisChecks: false,
  acceptBearerToken: false,
  maxSessionsPerUser: 0,
  onSessionLimit: 'evict-oldest',
  rememberMe: { idleTimeoutSeconds: 604800, absoluteTimeoutSeconds: 2592000 },
  binding: { userAgent: false, ip: false, trustProxy: 0 },
  rotation: { everySeconds: 0, graceSeconds: 30 },
} as const;

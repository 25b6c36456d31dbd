import type { RedisOptions } from 'ioredis';
import { Max, MaxLength } from 'class-validator';
import {
  SessionBindingOptions, SessionCacheOptions, SessionCookieOptions, SessionCsrfOptions, SessionEventsOptions,
  SessionLegacyOptions, SessionRememberMeOptions, SessionRotationOptions,
} from './nested.options';
import {
  must, OptionalBoolean, OptionalMatches, OptionalNested, OptionalNonNegativeInt, OptionalOneOf, OptionalPositiveInt,
  OptionalString,
} from './option.validators';

/** An ioredis `Redis` or `Cluster` the app owns (ioredis 5 or 6): used as is and never closed. @publicApi */
export interface SessionRedisClient {
  readonly isCluster: boolean;
  duplicate(...args: never[]): unknown;
  sendCommand(...args: never[]): unknown;
}

/** Where sessions live: a URL, ioredis options, a Sentinel/Cluster description or the app's client. @publicApi */
export type SessionRedisConnection = string | RedisOptions | SessionRedisClient
  | { cluster: { nodes: Array<string | { host: string; port: number }>; options?: Record<string, unknown> } };

/** Options of SessionModule.forRoot / forRootAsync. Units are in the names. @publicApi */
export class SessionModuleOptions {
  /**
   * A URL (`redis://host:6379/0`), ioredis options, `{ sentinels, name }`, `{ cluster: { nodes } }`, or a client the
   * app owns (a SessionRedisClient). Clients the library opens get fail-fast settings (see README).
   */
  redis: SessionRedisConnection;
  /** Prefix of every key the library writes; no `{` or `}` (they carry Cluster hash tags). @default 'sess:' */
  @OptionalMatches(/^[^{}\s]{0,64}$/, 'be up to 64 characters without braces or spaces')
  keyPrefix?: string;
  /** Sliding idle timeout: a session unused this long expires. @default 1800 */
  @OptionalPositiveInt() idleTimeoutSeconds?: number;
  /** Absolute lifetime from creation; sliding never extends a session past it. @default 86400 */
  @OptionalPositiveInt() absoluteTimeoutSeconds?: number;
  /** Cookie attributes. */
  @OptionalNested(SessionCookieOptions) cookie?: SessionCookieOptions;
  /** Most bytes of data (field names + JSON values, as stored, so compressed) one session may hold. @default 16384 */
  @OptionalPositiveInt()
  @Max(16 * 1024 * 1024, must('be at most 16777216'))
  maxDataBytes?: number;
  /** Compress (brotli) data values whose JSON has at least this many bytes; 0 turns it off. @default 0 */
  @OptionalNonNegativeInt() compressValuesOverBytes?: number;
  /**
   * Send the session reads of one event-loop turn as one script call (not on Cluster): cheaper per request under
   * load; a lone request waits one setImmediate. @default true
   */
  @OptionalBoolean() batchTouches?: boolean;
  /** Each Redis command fails after this many ms (the request then gets 503). @default 1000 */
  @OptionalPositiveInt() redisCommandTimeoutMs?: number;
  /** Events and cleanup. */
  @OptionalNested(SessionEventsOptions) events?: SessionEventsOptions;
  /** Local cache of hot sessions. */
  @OptionalNested(SessionCacheOptions) cache?: SessionCacheOptions;
  /** At boot, read whether Redis can keep sessions (persistence, eviction, notifications); log risks. @default true */
  @OptionalBoolean() checkRedisAtBoot?: boolean;
  /** Stop boot when that check finds a risk, instead of warning. @default false */
  @OptionalBoolean() strictRedisChecks?: boolean;
  /** Also accept `Authorization: Bearer <token>` (non-browser clients; same guard and sessions). @default false */
  @OptionalBoolean() acceptBearerToken?: boolean;
  /** Most live sessions one user may have; 0 means no limit. @default 0 */
  @OptionalNonNegativeInt() maxSessionsPerUser?: number;
  /**
   * At the limit, a new login ends the oldest session (`evict-oldest`, event reason `max-sessions`) or is refused
   * with SessionLimitError (409). @default 'evict-oldest'
   */
  @OptionalOneOf(['evict-oldest', 'refuse']) onSessionLimit?: 'evict-oldest' | 'refuse';
  /** Timeouts of remembered sessions. */
  @OptionalNested(SessionRememberMeOptions) rememberMe?: SessionRememberMeOptions;
  /** Rotate tokens of sessions in use every N seconds. Off by default. */
  @OptionalNested(SessionRotationOptions) rotation?: SessionRotationOptions;
  /** Hijack detection by binding sessions to the client. Off by default. */
  @OptionalNested(SessionBindingOptions) binding?: SessionBindingOptions;
  /** Cross-site request forgery protection for routes behind SessionGuard. Off by default. */
  @OptionalNested(SessionCsrfOptions) csrf?: SessionCsrfOptions;
  /** Migration from express-session + connect-redis: a legacy cookie signs its user in once. Off by default. */
  @OptionalNested(SessionLegacyOptions) legacy?: SessionLegacyOptions;
  /** Name of this app instance in events (`instance`). @default `<hostname>:<pid>:<random>` */
  @OptionalString()
  @MaxLength(128)
  instanceId?: string;
}

/** Every option given, nested ones too: what the defaults fill in. */
type Filled<T> = { [K in keyof T]-?: NonNullable<T[K]> extends object ? Required<NonNullable<T[K]>> : NonNullable<T[K]> };

/** Options after defaults are applied: what every provider sees. Derived, so an option is declared once. @internal */
export type ResolvedSessionOptions = Filled<Omit<SessionModuleOptions, 'cookie' | 'cache' | 'legacy'>> & {
  legacy?: SessionLegacyOptions;
  /** `domain` stays optional (unset is safest); HttpOnly is always on. */
  cookie: Required<Omit<SessionCookieOptions, 'domain'>> & { domain?: string; httpOnly: true };
  /** `refreshIntervalSeconds`, in ms, with its default (a tenth of the idle timeout) applied. */
  cache: Required<Omit<SessionCacheOptions, 'refreshIntervalSeconds'>> & { refreshIntervalMs: number };
};

/** Every default in one place (the option classes say the same in their docs). */
export const DEFAULT_SESSION_OPTIONS = {
  keyPrefix: 'sess:',
  idleTimeoutSeconds: 1800, absoluteTimeoutSeconds: 86400,
  cookie: { name: 'sid', secure: false, sameSite: 'lax', path: '/' },
  maxDataBytes: 16384, compressValuesOverBytes: 0,
  batchTouches: true,
  redisCommandTimeoutMs: 1000,
  events: { enabled: true, configureKeyspaceNotifications: false, sweepIntervalSeconds: 300, sweepBatchSize: 500 },
  cache: { enabled: false, invalidation: 'auto', maxEntries: 10000, maxStalenessMs: 30000 },
  checkRedisAtBoot: true, strictRedisChecks: false,
  acceptBearerToken: false,
  maxSessionsPerUser: 0, onSessionLimit: 'evict-oldest',
  rememberMe: { idleTimeoutSeconds: 604800, absoluteTimeoutSeconds: 2592000 },
  binding: { userAgent: false, ip: false, trustProxy: 0 },
  rotation: { everySeconds: 0, graceSeconds: 30 },
  csrf: { mode: 'off', trustedOrigins: [], header: 'x-csrf-token' },
} as const satisfies Partial<Record<keyof SessionModuleOptions, unknown>>;


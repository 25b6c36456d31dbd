import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
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
  keyPrefix?: string = 'sess:';
  /** Sliding idle timeout: a session unused this long expires. @default 1800 */
  @OptionalPositiveInt() idleTimeoutSeconds?: number = 1800;
  /** Absolute lifetime from creation; sliding never extends a session past it. @default 86400 */
  @OptionalPositiveInt() absoluteTimeoutSeconds?: number = 86400;
  /** Cookie attributes. */
  @OptionalNested(SessionCookieOptions) cookie?: SessionCookieOptions = new SessionCookieOptions();
  /** Most bytes of data (field names + JSON values, as stored, so compressed) one session may hold. @default 16384 */
  @OptionalPositiveInt()
  @Max(16 * 1024 * 1024, must('be at most 16777216'))
  maxDataBytes?: number = 16384;
  /** Compress (brotli) data values whose JSON has at least this many bytes; 0 turns it off. @default 0 */
  @OptionalNonNegativeInt() compressValuesOverBytes?: number = 0;
  /**
   * Send the session reads of one event-loop turn as one script call (not on Cluster): cheaper per request under
   * load; a lone request waits one setImmediate. @default true
   */
  @OptionalBoolean() batchTouches?: boolean = true;
  /** Each Redis command fails after this many ms (the request then gets 503). @default 1000 */
  @OptionalPositiveInt() redisCommandTimeoutMs?: number = 1000;
  /** Events and cleanup. */
  @OptionalNested(SessionEventsOptions) events?: SessionEventsOptions = new SessionEventsOptions();
  /** Local cache of hot sessions. */
  @OptionalNested(SessionCacheOptions) cache?: SessionCacheOptions = new SessionCacheOptions();
  /** At boot, read whether Redis can keep sessions (persistence, eviction, notifications); log risks. @default true */
  @OptionalBoolean() checkRedisAtBoot?: boolean = true;
  /** Stop boot when that check finds a risk, instead of warning. @default false */
  @OptionalBoolean() strictRedisChecks?: boolean = false;
  /** Also accept `Authorization: Bearer <token>` (API clients: same guard and sessions, no rotation). @default false */
  @OptionalBoolean() acceptBearerToken?: boolean = false;
  /** Most live sessions one user may have; 0 means no limit. @default 0 */
  @OptionalNonNegativeInt() maxSessionsPerUser?: number = 0;
  /**
   * At the limit, a new login ends the oldest session (`evict-oldest`, event reason `max-sessions`) or is refused
   * with SessionLimitError (409). @default 'evict-oldest'
   */
  @OptionalOneOf(['evict-oldest', 'refuse']) onSessionLimit?: 'evict-oldest' | 'refuse' = 'evict-oldest';
  /** Timeouts of remembered sessions. */
  @OptionalNested(SessionRememberMeOptions) rememberMe?: SessionRememberMeOptions = new SessionRememberMeOptions();
  /** Rotate tokens of sessions in use every N seconds. Off by default. */
  @OptionalNested(SessionRotationOptions) rotation?: SessionRotationOptions = new SessionRotationOptions();
  /** Hijack detection by binding sessions to the client. Off by default. */
  @OptionalNested(SessionBindingOptions) binding?: SessionBindingOptions = new SessionBindingOptions();
  /** Cross-site request forgery protection for routes behind SessionGuard. Off by default. */
  @OptionalNested(SessionCsrfOptions) csrf?: SessionCsrfOptions = new SessionCsrfOptions();
  /** Migration from express-session + connect-redis: a legacy cookie signs its user in once. Off by default. */
  @OptionalNested(SessionLegacyOptions) legacy?: SessionLegacyOptions;
  /** Name of this app instance in events (`instance`). @default `<hostname>:<pid>:<random>` */
  @OptionalString()
  @MaxLength(128)
  instanceId?: string = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** `T` with its defaults in: only the options that have none (`Unset`) stay optional. */
type Unset = 'legacy' | 'domain' | 'refreshIntervalSeconds' | 'until';
type Defaulted<T> = Required<Omit<T, Unset>> & Pick<T, Extract<keyof T, Unset>>;

/** The options once the classes' initializers have filled in every default, nested ones too. @internal */
export type DefaultedSessionOptions = Defaulted<{
  [K in keyof SessionModuleOptions]: NonNullable<SessionModuleOptions[K]> extends object
    ? Defaulted<NonNullable<SessionModuleOptions[K]>> : SessionModuleOptions[K];
}>;

/** What every provider sees: the defaulted options plus the fields derived from them. @internal */
export type ResolvedSessionOptions = DefaultedSessionOptions & {
  /** HttpOnly is always on. */
  cookie: { httpOnly: true };
  /** `refreshIntervalSeconds`, in ms, with its default (a tenth of the idle timeout) applied. */
  cache: { refreshIntervalMs: number };
};

/** Every default, as the option classes declare them (the benchmarks read them). @internal */
export const DEFAULT_SESSION_OPTIONS = new SessionModuleOptions() as Omit<DefaultedSessionOptions, 'redis'>;

/** The session a guarded request carries, as `@Session()` gives it; `TData` types the app's own data. @publicApi */
export interface ActiveSession<TData extends object = Record<string, unknown>> {
  /** Public id, no part of the token: safe to show and for "sign out this device"; rotation and regenerate keep it. */
  readonly id: string;
  readonly userId: string;
  readonly device: string;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  /** When the session expires if unused (sliding), never after `absoluteExpiresAt`. */
  readonly expiresAt: Date;
  /** Hard deadline from creation. */
  readonly absoluteExpiresAt: Date;
  /** The app's data as of this request. Write with SessionService.set(), not by mutating this object. */
  readonly data: Readonly<Partial<TData>>;
}

/** One entry of a user's device list. @publicApi */
export interface SessionSummary {
  id: string;
  device: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  /** True for the session making the request, when one was given. */
  current: boolean;
}

/** What to store when a user logs in. @publicApi */
export interface CreateSessionInput<TData extends object = Record<string, unknown>> {
  userId: string;
  /** A label the user recognises in the device list ("Firefox on laptop"). @default 'unknown' */
  device?: string;
  /** Initial data, one Redis hash field per key. */
  data?: Partial<TData>;
  /** Remember this device: `rememberMe` timeouts and a persistent cookie (not a browser-session one). @default false */
  remember?: boolean;
  /** A shorter (or, for remembered sessions, up to rememberMe's) idle timeout for this session. */
  idleTimeoutSeconds?: number;
  /** A shorter (or, for remembered sessions, up to rememberMe's) absolute lifetime for this session. */
  absoluteTimeoutSeconds?: number;
}

/** Why a session was invalidated (event `reason`). @publicApi */
export type InvalidationReason =
  'logout' | 'logout-all' | 'logout-others' | 'revoked' | 'login' | 'max-sessions' | 'hijack-suspected';

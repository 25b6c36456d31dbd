import type { InvalidationReason } from '../session.types';

interface SessionEventBase {
  /** Public handle of the session (never its token or token hash). */
  id: string;
  /** The session's user; null only when Redis lost that too (e.g. both keys evicted). */
  userId: string | null;
  at: Date;
  /** The app instance that caused the event, or 'redis' when Redis itself did (expiry, eviction). */
  instance: string;
}

/** A session was created (login, or the new half of a regenerate). Seen by every instance. */
export interface SessionCreatedEvent extends SessionEventBase {
  type: 'created';
}
/** A request slid the session's idle expiry. Local to the instance that served the request. */
export interface SessionRefreshedEvent extends SessionEventBase {
  type: 'refreshed';
  expiresAt: Date;
}
/** The session was ended by the app. Seen by every instance. */
export interface SessionInvalidatedEvent extends SessionEventBase {
  type: 'invalidated';
  reason: InvalidationReason;
}
/** Redis expired the session: unused past the idle timeout, or past its absolute deadline. Seen by every instance. */
export interface SessionExpiredEvent extends SessionEventBase {
  type: 'expired';
  cause: 'idle' | 'absolute';
  /** 'notification' when a keyspace notification reported it; 'sweep' when the cleanup sweep found it later. */
  detectedBy: 'notification' | 'sweep';
}
/** Redis evicted the session under memory pressure (see the README on maxmemory-policy). Seen by every instance. */
export interface SessionEvictedEvent extends SessionEventBase {
  type: 'evicted';
}

/**
 * Everything that happens to sessions, as one discriminated union: switch on `type`.
 * @publicApi
 */
export type SessionEvent =
  | SessionCreatedEvent
  | SessionRefreshedEvent
  | SessionInvalidatedEvent
  | SessionExpiredEvent
  | SessionEvictedEvent;

export type SessionEventType = SessionEvent['type'];

/** Narrows the stream: `events$.pipe(filter(isSessionEvent('expired')))`. @publicApi */
export const isSessionEvent =
  <T extends SessionEventType>(type: T) =>
  (e: SessionEvent): e is Extract<SessionEvent, { type: T }> =>
    e.type === type;

/** The wire form of events published by the library's Lua scripts and the sweeper. @internal */
export interface PublishedEvent {
  type: 'created' | 'invalidated' | 'expired';
  id: string;
  userId: string;
  at: number;
  instance: string;
  reason?: InvalidationReason;
  cause?: 'idle' | 'absolute';
}

export function fromPublished(p: PublishedEvent): SessionEvent | null {
  const base = { id: p.id, userId: p.userId, at: new Date(p.at), instance: p.instance };
  switch (p.type) {
    case 'created':
      return { ...base, type: 'created' };
    case 'invalidated':
      return { ...base, type: 'invalidated', reason: p.reason ?? 'logout' };
    case 'expired':
      return { ...base, type: 'expired', cause: p.cause ?? 'idle', detectedBy: 'sweep' };
    default:
      return null;
  }
}

import type { InvalidationReason } from '../session.types';

interface SessionEventBase {
  /** Public id of the session: stable for its whole life (rotation and regenerate keep it), never its token. */
  id: string;
  /** The session's user; null only when Redis lost that too (e.g. its user index was evicted). */
  userId: string | null;
  /** When it happened, by Redis's clock (so every instance sees the same time); local for 'refreshed'. */
  at: Date;
  /** The app instance that caused the event, or 'redis' when Redis itself did (expiry, eviction). */
  instance: string;
}

/** A session was created (login). Seen by every instance. */
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
/** Token replaced in place (rotation or SessionService.regenerate); id and data live on. Seen by every instance. */
export interface SessionRotatedEvent extends SessionEventBase {
  type: 'rotated';
  reason: 'rotation' | 'regenerate';
}
/** Redis expired the session (idle, or past its absolute deadline). Seen by every instance, reported once. */
export interface SessionExpiredEvent extends SessionEventBase {
  type: 'expired';
  cause: 'idle' | 'absolute';
  /** A keyspace 'notification', the periodic 'sweep' (later), or the user index's 'cleanup' (login, list, logout). */
  detectedBy: 'notification' | 'sweep' | 'cleanup';
}
/** Redis evicted the session under memory pressure (see the README on maxmemory-policy). Seen by every instance. */
export interface SessionEvictedEvent extends SessionEventBase {
  type: 'evicted';
}

/** Everything that happens to sessions, as one discriminated union: switch on `type`. @publicApi */
export type SessionEvent = SessionCreatedEvent | SessionRefreshedEvent | SessionInvalidatedEvent | SessionRotatedEvent
  | SessionExpiredEvent | SessionEvictedEvent;

export type SessionEventType = SessionEvent['type'];

/** Narrows the stream: `events$.pipe(filter(isSessionEvent('expired')))`. @publicApi */
export const isSessionEvent =
  <T extends SessionEventType>(type: T) =>
  (e: SessionEvent): e is Extract<SessionEvent, { type: T }> =>
    e.type === type;

/** Names one event across the deployment (SessionEvents.claim): time too for the kinds that repeat. @internal */
export function eventKey(e: SessionEvent): string {
  return e.type === 'rotated' || e.type === 'refreshed' ? `${e.type}:${e.id}:${e.at.getTime()}` : `${e.type}:${e.id}`;
}

/** The wire form of events published by the library's Lua scripts. @internal */
export interface PublishedEvent {
  type: 'created' | 'invalidated' | 'rotated' | 'expired' | 'evicted' | 'changed';
  id: string;
  userId?: string;
  at: number;
  instance: string;
  reason?: string;
  cause?: 'idle' | 'absolute';
  detectedBy?: 'notification' | 'sweep' | 'cleanup';
}

/** @internal */
export function fromPublished(p: PublishedEvent): SessionEvent | null {
  const base = { id: p.id, userId: p.userId ?? null, at: new Date(p.at), instance: p.instance };
  switch (p.type) {
    case 'created':
    case 'evicted':
      return { ...base, type: p.type };
    case 'invalidated':
      return { ...base, type: 'invalidated', reason: (p.reason ?? 'logout') as InvalidationReason };
    case 'rotated':
      return { ...base, type: 'rotated', reason: p.reason === 'regenerate' ? 'regenerate' : 'rotation' };
    case 'expired':
      return { ...base, type: 'expired', cause: p.cause ?? 'idle', detectedBy: p.detectedBy ?? 'sweep' };
    default:
      return null;
  }
}

import { SessionInputError } from './errors/session-input.error';
import { idOf, StoredSession } from './store/stored.session';
import type { ActiveSession as Session } from './session.types';

/**
 * A session as app code holds it. Its stored record (the store's address for it) is a private field, so serialising a
 * session (a log, JSON) never shows it. Not a WeakMap from sessions: an entry per session object (one per request when
 * concurrent requests share a cached session) cost ~1 µs of garbage collection each. @internal
 */
class ActiveSession {
  readonly #stored: StoredSession;

  constructor(stored: StoredSession) {
    this.#stored = stored;
  }

  static storedOf(value: Session<object>): StoredSession {
    // `in` throws on a primitive: what the app passes here is checked, not trusted.
    if (typeof value === 'object' && value !== null && #stored in value) return (value as ActiveSession).#stored;
    throw new SessionInputError('Not a session issued by SessionService (use the object @Session() gives you)');
  }
}

export const { storedOf } = ActiveSession;

export function toActiveSession<T extends object>(stored: StoredSession): Session<T> {
  return Object.assign(new ActiveSession(stored), {
    id: idOf(stored), userId: stored.userId, device: stored.device, createdAt: new Date(stored.createdAt),
    lastSeenAt: new Date(stored.lastSeenAt), expiresAt: new Date(stored.expiresAt),
    absoluteExpiresAt: new Date(stored.absoluteExpiresAt), data: stored.data as Partial<T>,
  });
}

/** The same session for another holder (an object of its own), sharing its stored record and its Dates. */
export function copyOf<T extends object>(session: Session<T>): Session<T> {
  return Object.assign(new ActiveSession(storedOf(session)), session);
}

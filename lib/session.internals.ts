import { SessionInputError } from './errors/session-input.error';
import { idOf, StoredSession } from './store/stored.session';
import type { ActiveSession } from './session.types';

/**
 * Each ActiveSession handed to app code, linked to its stored record (the store's address for it): kept out of the
 * object so that serialising a session (logging it, returning it as JSON) never leaks it. @internal
 */
const links = new WeakMap<object, StoredSession>();

export function toActiveSession<T extends object>(stored: StoredSession): ActiveSession<T> {
  const session: ActiveSession<T> = {
    id: idOf(stored), userId: stored.userId, device: stored.device, createdAt: new Date(stored.createdAt),
    lastSeenAt: new Date(stored.lastSeenAt), expiresAt: new Date(stored.expiresAt),
    absoluteExpiresAt: new Date(stored.absoluteExpiresAt), data: stored.data as Partial<T>,
  };
  links.set(session, stored);
  return session;
}

export function storedOf(session: ActiveSession<object>): StoredSession {
  const stored = links.get(session);
  if (!stored) throw new SessionInputError('Not a session issued by SessionService (use the object @Session() gives you)');
  return stored;
}

/** The same session for another holder (an object of its own), sharing its stored record and its Dates. */
export function copyOf<T extends object>(session: ActiveSession<T>): ActiveSession<T> {
  const copy = { ...session };
  links.set(copy, storedOf(session));
  return copy;
}

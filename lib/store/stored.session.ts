import { publicId } from './session.token';
import { decodeValue } from './value.codec';

/** A session as the store reads it from Redis, before it is shaped for the app. @internal */
export interface StoredSession {
  /** Names the session's key for its whole life. */
  selector: string;
  userId: string;
  device: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  absoluteExpiresAt: number;
  idleMs: number;
  data: Record<string, unknown>;
  /** Hash of the current verifier. */
  verifier: string;
  /** Hash of the verifier a rotation replaced, accepted until `graceUntil` (ms). */
  previous?: string;
  graceUntil?: number;
  /** Hash of the client binding (User-Agent / IP). */
  binding?: string;
  /** When the verifier was last replaced (ms); createdAt when never. */
  rotatedAt?: number;
  csrf?: string;
  /** Created with remember-me: the cookie is persistent. */
  remembered?: boolean;
  /** Public id, computed on first use (idOf: it costs a hash). */
  id?: string;
}

export function idOf(stored: StoredSession): string {
  return (stored.id ??= publicId(stored.selector));
}

/** Sets a data field as an own property, whatever its name (assigning `__proto__` would replace the prototype). */
export function setDataField(data: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(data, name, { value, enumerable: true, writable: true, configurable: true });
}

/** Turns touch.lua's packed reply (user id, then the hash's fields and values) into a StoredSession. */
export function decodeSession(selector: string, packed: string, now: number, expiresAt: number): StoredSession {
  const flat = packed.split('\x1f'); // unit separator: never stored by the library
  const s: StoredSession = {
    selector, userId: flat[0], device: '', createdAt: 0, lastSeenAt: now, expiresAt, absoluteExpiresAt: 0, idleMs: 0,
    data: {}, verifier: '',
  };
  for (let i = 1; i < flat.length; i += 2) {
    const f = flat[i];
    const v = flat[i + 1];
    switch (f) {
      case 'v': s.verifier = v; break;
      case 'p': s.previous = v; break;
      case 'g': s.graceUntil = Number(v); break;
      case 'd': s.device = v; break;
      case 'c': s.createdAt = Number(v); break;
      case 'l': s.lastSeenAt = Number(v); break;
      case 'a': s.absoluteExpiresAt = Number(v); break;
      case 'i': s.idleMs = Number(v); break;
      case 'b': s.binding = v; break;
      case 'r': s.remembered = true; break;
      case 't': s.rotatedAt = Number(v); break;
      case 'k': s.csrf = v; break;
      default:
        if (f.charCodeAt(0) === 46 /* '.' */) setDataField(s.data, f.slice(1), decodeValue(v));
    }
  }
  return s;
}

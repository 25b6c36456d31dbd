import { publicHandle } from '../crypto/session-token';
import { decodeValue } from './value-codec';

/**
 * A session as the store reads it from Redis, before it is shaped for the app.
 * @internal
 */
export interface StoredSession {
  tag: string;
  hash: string;
  userId: string;
  device: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  absoluteExpiresAt: number;
  idleMs: number;
  /** Decoded data fields. */
  data: Record<string, unknown>;
  /** Hash of the client binding (User-Agent / IP), when binding is on. */
  binding?: string;
  /** When the token was last rotated or regenerated (ms); createdAt when never. */
  rotatedAt?: number;
  /** Created with remember-me: the cookie is persistent. */
  remembered?: boolean;
  /** Public handle, computed on first use (it costs a hash). */
  handle?: string;
}

export function handleOf(stored: StoredSession): string {
  return (stored.handle ??= publicHandle(stored.hash));
}

/** What touch scripts join a session's fields and values with (\x1f, unit separator); never stored by the library. */
export const FIELD_SEPARATOR = '\x1f';

/** Prefix of data fields in the session hash; metadata fields are single letters and never start with it. */
export const DATA_FIELD_PREFIX = '.';

/** Turns HGETALL's flat list into a StoredSession. */
export function decodeSessionFields(
  tag: string, hash: string, flat: string[], now: number, expiresAt: number,
): StoredSession {
  const s: StoredSession = {
    tag, hash, userId: '', device: '', createdAt: 0, lastSeenAt: now, expiresAt, absoluteExpiresAt: 0, idleMs: 0, data: {},
  };
  for (let i = 0; i < flat.length; i += 2) {
    const f = flat[i];
    const v = flat[i + 1];
    switch (f) {
      case 'u': s.userId = v; break;
      case 'd': s.device = v; break;
      case 'c': s.createdAt = Number(v); break;
      case 'l': s.lastSeenAt = Number(v); break;
      case 'a': s.absoluteExpiresAt = Number(v); break;
      case 'i': s.idleMs = Number(v); break;
      case 'b': s.binding = v; break;
      case 'r': s.remembered = true; break;
      case 't': s.rotatedAt = Number(v); break;
      default:
        if (f.charCodeAt(0) === 46 /* '.' */) s.data[f.slice(1)] = decodeValue(v);
    }
  }
  return s;
}

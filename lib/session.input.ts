import { SessionInputError } from './errors';
import { FIELD_NAME_INVALID, LIFETIME_INVALID, TEXT_INVALID } from './errors/error.messages';
import type { ResolvedSessionOptions } from './options/session.options';
import type { CreateSessionInput } from './session.types';

// What the app hands the library is checked before anything reaches Redis: a bad value is a SessionInputError (400),
// never a TypeError, and nothing is written.
const FIELD_NAME = /^[^\x00-\x1f\x7f]{1,64}$/;
/** User ids and device labels: no control characters (they travel inside script replies). */
const PLAIN_TEXT = /^[^\x00-\x1f\x7f]{1,256}$/;
/** Half a UTF-16 surrogate pair alone becomes U+FFFD in Redis's UTF-8: two user ids would name one user's index. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const wellFormed = (value: unknown, shape: RegExp) => typeof value === 'string' && shape.test(value) && !LONE_SURROGATE.test(value);

/** @internal */
export function assertFieldName(name: string): void {
  if (!wellFormed(name, FIELD_NAME)) throw new SessionInputError(FIELD_NAME_INVALID(name));
}

/** A login's user id, device label (default 'unknown') and data, checked. @internal */
export function checkedLogin(input: CreateSessionInput<object>): { userId: string; device: string; data: Record<string, unknown> } {
  const userId = String(input.userId);
  if (!wellFormed(userId, PLAIN_TEXT)) throw new SessionInputError(TEXT_INVALID('userId', userId));
  const device = input.device || 'unknown';
  if (!wellFormed(device, PLAIN_TEXT)) throw new SessionInputError(TEXT_INVALID('device', device));
  const data = (input.data ?? {}) as Record<string, unknown>;
  Object.keys(data).forEach(assertFieldName);
  return { userId, device, data };
}

/** Timeouts of a new session: the module's, or rememberMe's for remembered ones, never above those caps. @internal */
export function lifetimeOf(input: CreateSessionInput<object>, options: ResolvedSessionOptions): { idleMs: number; absoluteMs: number } {
  const caps = input.remember ? options.rememberMe : options;
  const pick = (name: 'idleTimeoutSeconds' | 'absoluteTimeoutSeconds') => {
    const value = input[name];
    if (value === undefined) return caps[name];
    if (!Number.isInteger(value) || value <= 0) throw new SessionInputError(LIFETIME_INVALID(name, value));
    return Math.min(value, caps[name]);
  };
  const absolute = pick('absoluteTimeoutSeconds');
  const idle = Math.min(pick('idleTimeoutSeconds'), absolute);
  return { idleMs: idle * 1000, absoluteMs: absolute * 1000 };
}
